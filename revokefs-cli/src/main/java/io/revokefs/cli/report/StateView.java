package io.revokefs.cli.report;

/**
 * The state-at-seq view: a slider and a seq field over the log, and under them the state just
 * after the chosen event, as {@code revokefs replay --until SEQ} prints it: each process's VMAs
 * with the pages that have PTEs, its files, open or closed, and who released them; a VMA that maps
 * pages but has no PTE left after a revoke's zap is marked SIGBUS-ready (its next access faults,
 * and the fault is refused).
 *
 * <p>The state is replayed in Java ({@link RunAnalysis}) and written as deltas per stop into an
 * inline JSON block; a short inline script (no framework, no network) applies them up to the
 * chosen stop and draws the tables. {@code #seq=N} in the page's address opens the view at seq N,
 * and a click on a mark of the run timeline moves it there.
 */
final class StateView {
    private StateView() {
    }

    private static final String SCRIPT = """
            (function () {
              var data = JSON.parse(document.getElementById('state-data').textContent);
              var stops = data.stops, objects = data.objects;
              var slider = document.getElementById('state-stop');
              var seqInput = document.getElementById('state-seq');
              var label = document.getElementById('state-label');
              var out = document.getElementById('state-out');
              var MAX_ROWS = 400;
              var vmas, files, revoked, cur;
              function reset() { vmas = new Map(); files = new Map(); revoked = new Set(); cur = -1; }
              function apply(i) {
                var ops = stops[i][3];
                for (var k = 0; k < ops.length; k++) {
                  var o = ops[k];
                  if (o[0] === 'o') { if (o[2]) { revoked.add(o[1]); } else { revoked.delete(o[1]); } }
                  else if (o[0] === 'v') { vmas.set(o[1], o); }
                  else if (o[0] === 'p') { var w = vmas.get(o[1]).slice(); w[6] = o[2]; w[7] = o[3]; vmas.set(o[1], w); }
                  else if (o[0] === 'x') { vmas.delete(o[1]); }
                  else if (o[0] === 'f') { files.set(o[1], o); }
                }
              }
              function pages(r) {
                if (r.length === 0) { return 'none'; }
                var s = [];
                for (var k = 0; k < r.length; k += 2) {
                  s.push('0x' + r[k].toString(16) + (r[k + 1] > 1 ? '-0x' + (r[k] + r[k + 1] - 1).toString(16) : ''));
                }
                return s.join(',');
              }
              function el(tag, cls, text) {
                var e = document.createElement(tag);
                if (cls) { e.className = cls; }
                if (text !== undefined) { e.textContent = text; }
                return e;
              }
              function row(table, cls, cells, attrs) {
                var tr = el('tr', cls);
                for (var k in attrs) { tr.setAttribute(k, attrs[k]); }
                cells.forEach(function (c) { tr.appendChild(el('td', null, c)); });
                table.appendChild(tr);
              }
              var cursor = document.getElementById('run-cursor');
              function moveCursor(seq) {
                if (!cursor) { return; }
                var runSvg = document.getElementById('run-timeline');
                var a = +runSvg.getAttribute('data-first-seq'), b = +runSvg.getAttribute('data-last-seq');
                var x0 = +cursor.getAttribute('data-x0'), x1 = +cursor.getAttribute('data-x1');
                var x = b === a ? (x0 + x1) / 2 : x0 + (seq - a) * (x1 - x0) / (b - a);
                cursor.setAttribute('x1', x);
                cursor.setAttribute('x2', x);
              }
              function render() {
                var stop = stops[cur];
                moveCursor(stop[0]);
                slider.value = cur;
                seqInput.value = stop[0];
                label.textContent = 'state after #' + stop[0] + ' ' + data.types[stop[1]] + ' of ' + objects[stop[2]]
                  + (data.stride > 1 ? ' (every ' + data.stride + 'th event of ' + data.events + ', and each cascade)' : '');
                out.textContent = '';
                var byPid = new Map();
                function proc(pid) {
                  if (!byPid.has(pid)) { byPid.set(pid, {vmas: [], files: []}); }
                  return byPid.get(pid);
                }
                vmas.forEach(function (v) { proc(v[3]).vmas.push(v); });
                files.forEach(function (f) { proc(f[3]).files.push(f); });
                var pids = Array.from(byPid.keys()).sort(function (a, b) { return a - b; });
                var rows = 0, left = 0;
                pids.forEach(function (pid) {
                  var p = byPid.get(pid);
                  var box = el('div', 'proc');
                  box.setAttribute('data-pid', pid);
                  box.appendChild(el('h3', null, 'pid ' + pid));
                  var t = el('table', 'state-vmas');
                  row(t, 'head', ['VMA', 'object', 'pages', 'pages with PTEs', ''], {});
                  p.vmas.forEach(function (v) {
                    if (rows++ >= MAX_ROWS) { left++; return; }
                    var ptes = 0;
                    for (var k = 0; k < v[6].length; k += 2) { ptes += v[6][k + 1]; }
                    var isRevoked = revoked.has(v[2]);
                    var ready = ptes === 0 && (isRevoked || v[7] > 0);
                    var note = ready ? 'SIGBUS-ready: no PTE left' + (v[7] > 0 ? ' since the zap at #' + v[7] : '')
                      + (isRevoked ? ', object revoked' : ', range revoked') : (ptes === 0 ? 'no PTE yet: faults on access' : '');
                    row(t, 'vma' + (ready ? ' sigbus-ready' : '') + (ptes === 0 ? ' no-ptes' : ''),
                      [v[1], objects[v[2]], pages(v[5]), pages(v[6]), note],
                      {'data-vma': v[1], 'data-object': objects[v[2]], 'data-ptes': ptes});
                  });
                  box.appendChild(t);
                  if (p.files.length > 0) {
                    var ft = el('table', 'state-files');
                    row(ft, 'head', ['file', 'object', 'state', 'released by'], {});
                    p.files.forEach(function (f) {
                      if (rows++ >= MAX_ROWS) { left++; return; }
                      row(ft, 'file ' + (f[4] ? 'open' : 'closed'), [f[1], objects[f[2]], f[4] ? 'open' : 'closed',
                        f[5] === null ? '(not released)' : f[5] === 'REVOKE' ? 'the revoke' : 'close'],
                        {'data-file': f[1], 'data-released': f[5] === null ? '' : f[5]});
                    });
                    box.appendChild(ft);
                  }
                  out.appendChild(box);
                });
                if (left > 0) { out.appendChild(el('p', 'note', left + ' more rows are not shown')); }
                var rv = [];
                revoked.forEach(function (o) { rv.push(objects[o]); });
                out.appendChild(el('p', 'meta revoked-objects', 'revoked: ' + (rv.length ? rv.join(', ') : 'none')));
              }
              function go(i) {
                i = Math.max(0, Math.min(stops.length - 1, i));
                if (i < cur) { reset(); }
                while (cur < i) { cur++; apply(cur); }
                render();
              }
              function goSeq(seq) {
                var lo = 0, hi = stops.length - 1;
                while (lo < hi) { var m = (lo + hi + 1) >> 1; if (stops[m][0] <= seq) { lo = m; } else { hi = m - 1; } }
                go(lo);
              }
              reset();
              slider.max = stops.length - 1;
              slider.addEventListener('input', function () { go(+slider.value); });
              seqInput.addEventListener('change', function () { goSeq(+seqInput.value); });
              var run = document.getElementById('run-timeline');
              if (run) {
                run.addEventListener('click', function (ev) {
                  var t = ev.target.closest('[data-seq]');
                  if (t) { goSeq(+t.getAttribute('data-seq')); }
                });
              }
              var m = /seq=(\\d+)/.exec(location.hash);
              if (m) { goSeq(+m[1]); } else { go(stops.length - 1); }
              // Milliseconds from the start of the page's load until the view is drawn (for the benchmarks).
              document.documentElement.setAttribute('data-state-ready-ms', Math.round(performance.now()));
              window.addEventListener('load', function () {
                document.documentElement.setAttribute('data-loaded-ms', Math.round(performance.now()));
              });
            })();
            """;

    /** Appends the view's section: controls, the data of {@code run}, the output area and the script. */
    static void render(RunAnalysis run, long firstSeq, long lastSeq, StringBuilder sb) {
        renderHead(run, firstSeq, lastSeq, sb);
        sb.append(run.stops);
        renderTail(sb);
    }

    /**
     * The section up to its data, which goes next ({@code run.stops}, the one part of the page that
     * grows with the log: the page writes it straight out rather than copy it), then {@link #renderTail}.
     */
    static void renderHead(RunAnalysis run, long firstSeq, long lastSeq, StringBuilder sb) {
        sb.append("<section class=\"box state-view\" id=\"state-view\"><h2>State at a seq</h2>\n")
                .append("<p class=\"meta\">What <code>revokefs replay --until SEQ</code> prints, just after the chosen event. ")
                .append("Drag the slider, type a seq, click a mark of the run timeline, or open the page at <code>#seq=N</code>.</p>\n")
                .append("<div class=\"controls\"><input type=\"range\" id=\"state-stop\" min=\"0\" max=\"").append(run.stopCount - 1)
                .append("\" value=\"").append(run.stopCount - 1).append("\"/> <label>seq <input type=\"number\" id=\"state-seq\" min=\"")
                .append(firstSeq).append("\" max=\"").append(lastSeq).append("\" value=\"").append(lastSeq)
                .append("\"/></label> <span id=\"state-label\" class=\"meta\"></span></div>\n")
                .append("<div id=\"state-out\"><p class=\"note\">This view is drawn by the page's inline script.</p></div>\n")
                .append("<script type=\"application/json\" id=\"state-data\">");
    }

    /** The section after its data. */
    static void renderTail(StringBuilder sb) {
        sb.append("</script>\n").append("<script>//<![CDATA[\n").append(SCRIPT).append("//]]></script>\n</section>\n");
    }
}
