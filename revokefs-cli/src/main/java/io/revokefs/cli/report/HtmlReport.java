package io.revokefs.cli.report;

import io.revokefs.core.event.RecordedEvent;

import java.util.List;

/**
 * A self-contained HTML page for an event log: readable without a network (no scripts or styles
 * from elsewhere).
 */
public final class HtmlReport {
    private HtmlReport() {
    }

    /** The page for {@code events}, titled {@code title}. */
    public static String render(String title, List<RecordedEvent> events) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(escape(title)).append("</title></head><body>\n<h1>").append(escape(title)).append("</h1>\n<table>\n");
        for (RecordedEvent e : events) {
            sb.append("<tr><td>").append(e.seq()).append("</td><td>").append(escape(e.type())).append("</td><td>")
                    .append(escape(e.object())).append("</td></tr>\n");
        }
        return sb.append("</table></body></html>\n").toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
