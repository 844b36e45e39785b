import { EVENT_STATUSES, STAGE_NAMES } from '../../pipeline/stages.ts'

/**
 * The page's HTML shell. It carries no data (so it is served without the token); the module at
 * `ui/app.js` asks for the token and fetches everything from `/api`. URLs are relative so the
 * page also works behind a path prefix.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en" data-stages="${STAGE_NAMES.join(' ')}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>freshet</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="ui/style.css">
<script type="module" src="ui/app.js"></script>
</head>
<body>
<header class="top">
  <div class="brand">
    <h1>freshet</h1>
    <p class="tagline">CMS webhook → every pod → CloudFront → Completed</p>
  </div>
  <form id="token-form" class="token" hidden>
    <label for="token">Admin token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required>
    <button type="submit">Use token</button>
    <p class="hint">Kept in this tab only and sent as <code>Authorization: Bearer</code> to <code>/api</code>.</p>
  </form>
  <p id="signed-in" class="token" hidden>Token set for this tab.
    <button type="button" id="forget-token">Forget token</button></p>
</header>
<noscript><p class="error">This page needs JavaScript. The same data is at <code>GET /api/events</code>.</p></noscript>
<div id="error" class="error" role="alert"></div>
<div id="message" class="message" role="status"></div>
<main id="main" hidden>
  <div class="side">
    <section class="panel" aria-labelledby="events-title">
      <h2 id="events-title">Events</h2>
      <div class="toolbar">
        <label>Status
          <select id="status-filter">
            <option value="">all</option>
            ${EVENT_STATUSES.map((status) => `<option>${status}</option>`).join('\n            ')}
          </select>
        </label>
        <label>Source <input id="source-filter" size="9" placeholder="any" autocomplete="off"></label>
        <label>Received since
          <select id="since-filter">
            <option value="">any time</option>
            <option value="15">last 15 min</option>
            <option value="60">last hour</option>
            <option value="1440">last 24 h</option>
            <option value="10080">last 7 days</option>
          </select>
        </label>
        <label><input type="checkbox" id="auto-refresh" checked> Live updates</label>
        <span id="live-state" class="muted small" aria-live="polite"></span>
        <button type="button" id="refresh">Refresh now</button>
        <button type="button" id="retry-failed">Retry failed events shown</button>
      </div>
      <div id="events"></div>
      <button type="button" id="load-more" hidden>Load more</button>
    </section>
    <section class="panel" aria-labelledby="search-title">
      <h2 id="search-title">What purged this URL?</h2>
      <form id="search-form" class="search">
        <label for="search-kind">Search by</label>
        <select id="search-kind"><option value="path">path</option><option value="tag">tag</option></select>
        <label for="search-value">Path or tag</label>
        <input id="search-value" required placeholder="/articles/hello" autocomplete="off">
        <button type="submit">Find purges</button>
      </form>
      <div id="search-results" aria-live="polite"></div>
    </section>
    <section class="panel" aria-labelledby="purge-title">
      <h2 id="purge-title">Purge by hand</h2>
      <form id="purge-form" class="purge">
        <label for="purge-paths">Paths, one per line</label>
        <textarea id="purge-paths" rows="3" placeholder="/articles/hello"></textarea>
        <label for="purge-tags">Tags, one per line</label>
        <textarea id="purge-tags" rows="2" placeholder="article:1"></textarea>
        <button type="submit">Purge every pod, then the CDN</button>
      </form>
    </section>
  </div>
  <section id="detail" class="panel detail" aria-labelledby="detail-title"></section>
</main>
</body>
</html>
`
