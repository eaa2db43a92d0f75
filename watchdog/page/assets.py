"""The page's only style sheet and script, inline (no CDN, no fonts, no build), and the
Content-Security-Policy that allows exactly these two by hash and nothing else.

The script refreshes the page in place every few seconds: it fetches the page (one request
at a time), swaps the ``#page`` element (the scroll position and open ``<details>`` stay),
and when a refresh fails it keeps what is shown and says loudly since when it is stale,
instead of replacing the page with a browser error while the daemon restarts.
"""

from __future__ import annotations

import base64
import hashlib

__all__ = ["CSP", "SCRIPT", "STYLE"]

STYLE = """
:root{--bg:#fff;--fg:#16181d;--muted:#555b66;--line:#d5d8de;--card:#f6f7f9;
--ok-bg:#e3f3e8;--ok:#0b5a25;--warn-bg:#fff1d6;--warn:#6e3d00;--bad-bg:#fde7e4;--bad:#8a1409;
--crit-bg:#f1e4fb;--crit:#551a86;--info-bg:#e4eefb;--info:#0b3d7a;--s-ok:#2e7d4f;
--s-failed:#b36b00;--s-down:#c0271b;--dur:#1f4e99;--track:#eceef1}
@media (prefers-color-scheme:dark){:root{--bg:#121417;--fg:#e8eaed;--muted:#a9b0bb;
--line:#353a42;--card:#1b1e23;--ok-bg:#123321;--ok:#9fe0b5;--warn-bg:#3a2a0b;--warn:#ffd591;
--bad-bg:#43150f;--bad:#ffb4a8;--crit-bg:#2f1845;--crit:#dcb8ff;--info-bg:#12294a;
--info:#a9c8ff;--s-ok:#5cc48a;--s-failed:#f0a93b;--s-down:#ff6b5b;--dur:#8fb4ff;
--track:#262a30}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,
"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
#page{max-width:1200px;margin:0 auto;padding:8px 12px 40px}
h1{font-size:1.05rem;margin:8px 0}h2{font-size:1.1rem;margin:22px 0 8px;display:flex;
gap:8px;align-items:baseline;flex-wrap:wrap}h3{font-size:1rem;margin:14px 0 6px}
a{color:var(--info)}a.json{font-size:.75rem;font-weight:normal;padding:0 4px;
border:1px solid var(--line);border-radius:4px;text-decoration:none}
nav{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.9rem;margin:6px 0}
.abs,.muted,.never{color:var(--muted)}.abs{font-size:.85em}
.banner{border-radius:8px;padding:12px 14px;margin:8px 0;border:2px solid}
.banner strong{font-size:1.3rem;display:block}.banner ul{margin:6px 0 0;padding-left:20px}
.l-ok{background:var(--ok-bg);color:var(--ok);border-color:var(--ok)}
.l-firing{background:var(--bad-bg);color:var(--bad);border-color:var(--bad)}
.l-degraded{background:var(--warn-bg);color:var(--warn);border-color:var(--warn)}
.l-unhealthy{background:var(--crit-bg);color:var(--crit);border-color:var(--crit)}
.rows{list-style:none;margin:0;padding:0}
.row{display:grid;grid-template-columns:minmax(150px,1.2fr) minmax(180px,2fr) minmax(140px,1fr);
gap:4px 14px;padding:8px 10px;border:1px solid var(--line);border-radius:6px;margin:6px 0;
background:var(--card)}
.row>div{min-width:0;overflow-wrap:anywhere}
@media (max-width:720px){.row{grid-template-columns:1fr}}
.badge{display:inline-block;font-weight:600;padding:0 6px;border-radius:4px;white-space:nowrap}
.b-up,.b-ok,.b-passed,.b-alertmanager{background:var(--ok-bg);color:var(--ok)}
.b-failing,.b-pending,.b-warning,.b-overdue,.b-emergency,.b-outbox{background:var(--warn-bg);color:var(--warn)}
.b-down,.b-firing,.b-critical,.b-failed{background:var(--bad-bg);color:var(--bad)}
.b-unknown,.b-info,.b-none,.b-silenced,.b-not_sent{background:var(--info-bg);color:var(--info)}
.err{color:var(--bad);overflow-wrap:anywhere}.hint{color:var(--muted);font-size:.9em}
.facts{margin:2px 0;padding:0;list-style:none;font-size:.85rem;overflow-wrap:anywhere}
.facts li{display:inline;margin-right:10px}.facts b{font-weight:600}
.labels{font-size:.8rem;color:var(--muted);overflow-wrap:anywhere}
.spark .track{fill:var(--track)}.spark .s-ok{fill:var(--s-ok)}
.spark .s-failed{fill:var(--s-failed)}.spark .s-down{fill:var(--s-down)}
.spark .dur{fill:none;stroke:var(--dur);stroke-width:1.5}
table{border-collapse:collapse;width:100%;font-size:.92rem}
td,th{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
.scroll{overflow-x:auto}
#stale{position:sticky;top:0;z-index:2;background:var(--bad);color:var(--bg);padding:8px 12px;
font-weight:600}
code{font-size:.85em;overflow-wrap:anywhere}
""".strip()

SCRIPT = """
(function(){var every=Number(document.body.dataset.refresh)*1000;if(!(every>0))return;
var stale=document.getElementById('stale'),failedSince=null,busy=false;
function show(reason){if(!failedSince)failedSince=new Date();stale.hidden=false;
stale.textContent='\\u26A0 This page could not refresh since '+failedSince.toISOString()
.slice(11,19)+' UTC ('+reason+'): what you see may be out of date. Is the daemon running?';}
function tick(){if(busy)return;busy=true;
fetch(location.href,{cache:'no-store',credentials:'same-origin'})
.then(function(r){if(!r.ok)throw new Error('HTTP '+r.status);return r.text();})
.then(function(text){var doc=new DOMParser().parseFromString(text,'text/html');
var next=doc.getElementById('page'),cur=document.getElementById('page');
if(!next||!cur)throw new Error('unexpected answer');
cur.querySelectorAll('details[id]').forEach(function(d){var n=doc.getElementById(d.id);
if(n)n.open=d.open;});var y=window.scrollY;cur.replaceWith(next);window.scrollTo(0,y);
document.title=doc.title;failedSince=null;stale.hidden=true;})
.catch(function(err){show(err&&err.message?err.message:'no answer');})
.then(function(){busy=false;});}
setInterval(tick,every);})();
""".strip()


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{_sha256(STYLE)}'; "
    f"script-src 'sha256-{_sha256(SCRIPT)}'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
"""Only the inline style and script above run; the refresh may fetch this server only."""
