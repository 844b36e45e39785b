/** The page's stylesheet, served at `ui/style.css`. Plain, readable, status never by colour alone. */
export const PAGE_CSS = `
:root {
  color-scheme: light dark;
  --fg: #1d2329; --muted: #5b6670; --bg: #f6f7f8; --panel: #fff; --line: #d8dde2;
  --accent: #0b5cad; --ok: #1b7a3d; --bad: #b3261e; --warn: #8a5a00; --busy: #0b5cad;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e9ec; --muted: #9aa5b0; --bg: #15191d; --panel: #1d2227; --line: #343b42;
    --accent: #6cb0ff; --ok: #5fd38d; --bad: #ff8a80; --warn: #f0c060; --busy: #6cb0ff; }
}
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); }
code { font: 0.9em ui-monospace, SFMono-Regular, Menlo, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
h2, p, li, td { overflow-wrap: anywhere; }
h1 { margin: 0; font-size: 1.5rem; }
h2 { margin: 0 0 0.6rem; font-size: 1.15rem; }
h3 { margin: 0 0 0.3rem; font-size: 1rem; }
[hidden] { display: none !important; }
button, input, select, textarea { font: inherit; }
button { cursor: pointer; padding: 0.3rem 0.8rem; border: 1px solid var(--accent); border-radius: 4px;
  background: var(--accent); color: #fff; }
button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 2px; }
button.link { background: none; border: none; padding: 0; color: var(--accent); text-decoration: underline; }
input, select, textarea { padding: 0.3rem 0.4rem; border: 1px solid var(--line); border-radius: 4px;
  background: var(--panel); color: var(--fg); }

.top { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: center; justify-content: space-between;
  padding: 0.8rem 1.5rem; background: var(--panel); border-bottom: 1px solid var(--line); }
.tagline, .hint, .muted { color: var(--muted); }
.tagline { margin: 0; }
.token { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0; }
.token .hint { flex-basis: 100%; margin: 0; font-size: 0.85rem; }
.error:not(:empty), .message:not(:empty) { margin: 0.8rem 1.5rem 0; padding: 0.5rem 0.8rem; border-radius: 4px; }
.error:not(:empty) { border: 1px solid var(--bad); color: var(--bad); background: var(--panel); }
.message:not(:empty) { border: 1px solid var(--line); background: var(--panel); }

main { display: grid; grid-template-columns: minmax(22rem, 2fr) 3fr; gap: 1rem; padding: 1rem 1.5rem; align-items: start; }
@media (max-width: 60rem) { main { grid-template-columns: minmax(0, 1fr); } }
.side { display: grid; gap: 1rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 1rem; min-width: 0; }
.toolbar { display: flex; flex-wrap: wrap; gap: 0.8rem; align-items: center; margin-bottom: 0.6rem; }
#load-more { margin-top: 0.6rem; }
.purge { display: grid; gap: 0.3rem; }
.purge button { justify-self: start; margin-top: 0.4rem; }

table { width: 100%; border-collapse: collapse; margin: 0.4rem 0 0.8rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 0.85rem; }
tr.selected td { background: color-mix(in srgb, var(--accent) 12%, transparent); }
.events td:first-child, time { white-space: nowrap; }

.badge { display: inline-block; padding: 0 0.45rem; border-radius: 999px; font-size: 0.85rem;
  border: 1px solid currentColor; white-space: nowrap; }
.badge-completed, .badge-confirmed { color: var(--ok); }
.badge-failed, .badge-dropped { color: var(--bad); }
.badge-received, .badge-scheduled, .badge-pending { color: var(--muted); }
.badge-planning, .badge-pods, .badge-cdn, .badge-tracking, .badge-inprogress { color: var(--busy); }

.journey { list-style: none; margin: 0; padding: 0; }
.step { position: relative; margin: 0 0 0.2rem 0.6rem; padding: 0 0 0.8rem 1.2rem; border-left: 3px solid var(--line); }
.step::before { content: ""; position: absolute; left: -0.55rem; top: 0.2rem; width: 0.8rem; height: 0.8rem;
  border-radius: 50%; border: 2px solid var(--line); background: var(--panel); }
.step-done { border-left-color: var(--ok); }
.step-done::before { background: var(--ok); border-color: var(--ok); }
.step-active::before { border-color: var(--busy); background: var(--busy); }
.step-failed { border-left-color: var(--bad); }
.step-failed::before { background: var(--bad); border-color: var(--bad); }
.step-waiting h3, .step-unreached h3, .step-skipped h3 { color: var(--muted); }
.step-state { font-weight: normal; color: var(--muted); font-size: 0.85rem; }
.times { margin: 0.2rem 0; }
.small { font-size: 0.85rem; }
.changes, .notes { margin: 0.3rem 0; padding-left: 1.2rem; }
.note-warn { color: var(--warn); }
.error-text { color: var(--bad); overflow-wrap: break-word; }
tr.has-note td { border-bottom: none; }
tr.row-note td { padding-top: 0; font-size: 0.9rem; }
.retry { margin-top: 0.3rem; }

.not-sent { color: var(--warn); font-size: 0.85rem; }
.search { display: grid; grid-template-columns: auto 1fr; gap: 0.3rem 0.5rem; align-items: center; }
.search button { grid-column: 1 / -1; justify-self: start; }
.purges { padding-left: 1.2rem; }
.purges p { margin: 0.2rem 0; }
.layers { margin: 0.2rem 0 0.6rem; padding-left: 1.2rem; }

/* The waterfall: a label, a bar on a shared time axis, the times as text (bars are aria-hidden). */
.step-wf { border-left-color: transparent; padding-left: 0.2rem; }
.step-wf::before { display: none; }
.wf { list-style: none; margin: 0.3rem 0 0; padding: 0; }
.wf-row { display: grid; grid-template-columns: minmax(8rem, 14rem) 1fr auto; gap: 0 0.6rem; align-items: center;
  padding: 0.15rem 0; border-bottom: 1px solid var(--line); font-size: 0.85rem; }
.wf-label { overflow-wrap: anywhere; }
.wf-status { color: var(--muted); }
.wf-track { position: relative; height: 0.8rem; background: color-mix(in srgb, var(--line) 40%, transparent); border-radius: 2px; }
.wf-bar { position: absolute; top: 0; bottom: 0; border-radius: 2px; background: var(--busy); }
.wf-done, .wf-confirmed, .wf-completed { background: var(--ok); }
.wf-failed { background: var(--bad); }
.wf-waiting, .wf-wait { background: var(--muted); }
.wf-queued { background: repeating-linear-gradient(90deg, var(--muted) 0 3px, transparent 3px 6px); }
.wf-running, .wf-inprogress { background: var(--busy); }
.wf-retrying { background: repeating-linear-gradient(45deg, var(--warn) 0 4px, transparent 4px 8px); }
.wf-time { white-space: nowrap; color: var(--muted); font-variant-numeric: tabular-nums; }
.wf-note { grid-column: 1 / -1; font-size: 0.8rem; }

@media (max-width: 40rem) {
  .top, main { padding: 0.6rem; }
  .error:not(:empty), .message:not(:empty) { margin: 0.6rem 0.6rem 0; }
  .panel { padding: 0.6rem; }
  main { grid-template-columns: minmax(0, 1fr); }
  /* Tables become stacked rows: every cell wraps instead of widening the page. */
  table, thead, tbody, tr, caption { display: block; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  tr { display: flex; flex-wrap: wrap; gap: 0 0.6rem; padding: 0.3rem 0; border-bottom: 1px solid var(--line); }
  th, td { border-bottom: none; padding: 0.1rem 0; }
  tr.row-note td { flex-basis: 100%; }
  .wf-row { grid-template-columns: 1fr auto; }
  .wf-track { grid-column: 1 / -1; grid-row: 2; }
  .step { margin-left: 0.3rem; padding-left: 0.8rem; }
}
`
