package io.revokefs.cli.report;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathExpressionException;
import javax.xml.xpath.XPathFactory;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

/** A rendered report read back with an XML parser (the page is XHTML syntax), queried by XPath. */
final class Page {
    final String html;
    private final Document doc;

    Page(String html) {
        this.html = html;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(false);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            this.doc = f.newDocumentBuilder().parse(new InputSource(new StringReader(html)));
        } catch (Exception e) {
            throw new AssertionError("the report is not well-formed XML: " + e.getMessage(), e);
        }
    }

    /** The elements {@code xpath} selects, in document order. */
    List<Element> all(String xpath) {
        return all(doc, xpath);
    }

    static List<Element> all(Object context, String xpath) {
        try {
            NodeList nodes = (NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, context, XPathConstants.NODESET);
            List<Element> out = new ArrayList<>();
            for (int i = 0; i < nodes.getLength(); i++) {
                out.add((Element) nodes.item(i));
            }
            return out;
        } catch (XPathExpressionException e) {
            throw new IllegalArgumentException(xpath, e);
        }
    }

    /** The one timeline of {@code object}. */
    Element timeline(String object) {
        List<Element> svgs = all("//svg").stream()
                .filter(s -> hasClass(s, "timeline") && s.getAttribute("data-object").equals(object)).toList();
        if (svgs.size() != 1) {
            throw new AssertionError("expected one timeline of " + object + ", found " + svgs.size());
        }
        return svgs.get(0);
    }

    /** The elements under {@code context} whose class attribute has {@code cls}. */
    static List<Element> withClass(Element context, String cls) {
        return all(context, ".//*[contains(concat(' ', normalize-space(@class), ' '), ' " + cls + " ')]");
    }

    List<Element> withClass(String cls) {
        return withClass(doc.getDocumentElement(), cls);
    }

    static boolean hasClass(Element e, String cls) {
        return (" " + e.getAttribute("class") + " ").contains(" " + cls + " ");
    }

    /** The text of the {@code <title>} child of {@code e}. */
    static String title(Element e) {
        List<Element> titles = all(e, "./title");
        return titles.isEmpty() ? "" : titles.get(0).getTextContent();
    }
}
