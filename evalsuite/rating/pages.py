"""Server-rendered pages of the rating app: plain HTML and a little plain JavaScript, no build chain.

The rating page shows the prompt, the looping video (two, playing in sync, for a side-by-side item), one
row of buttons per criterion and the rater's progress. Keys: absolute binary P (pass) / F (fail),
Likert 1-5, side-by-side ← or A (left better), ↓ or S (same), → or D (right better); each answer moves
to the next criterion; Backspace goes back one; Enter submits when every criterion is answered. The
judgement is POSTed and the next item is requested only after the server confirmed the commit.
"""

from __future__ import annotations

import html
import json

import pandas as pd

from evalsuite.rating.store import Campaign

LABELS = {"text_alignment": "Does the video show what the text says?", "motion_quality": "Is the motion natural and smooth?",
          "visual_quality": "Does it look good (sharp, clean, no artefacts)?"}  # fmt: skip

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
main{max-width:1100px;margin:0 auto;padding:1.2em}
.prompt{font-size:1.25em;background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:.8em 1em;margin:.6em 0}
.videos{display:flex;gap:1em;justify-content:center}.videos figure{margin:0;flex:1;text-align:center}
video{width:100%;max-height:52vh;background:#000;border-radius:6px}
.row{display:flex;align-items:center;gap:.6em;background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:.5em .8em;margin:.4em 0}
.row.current{border-color:#2f6fd6;box-shadow:0 0 0 2px #2f6fd633}.row .q{flex:1}
button.opt{font-size:1em;padding:.35em .9em;border:1px solid #b9c0c8;border-radius:6px;background:#fff;cursor:pointer}
button.opt.on{background:#2f6fd6;color:#fff;border-color:#2f6fd6}
kbd{font-size:.8em;border:1px solid #b9c0c8;border-radius:3px;padding:0 .3em;background:#f1f3f5;color:#1b1f24}
#submit{font-size:1.05em;padding:.5em 1.4em;border:0;border-radius:6px;background:#1f8f4e;color:#fff;cursor:pointer}
#submit:disabled{background:#9bb7a6;cursor:default}
.bar{height:6px;background:#dde1e6;border-radius:3px;overflow:hidden}.bar span{display:block;height:100%;background:#2f6fd6}
.muted{color:#5f6b77;font-size:.9em}#status{color:#b3261e;min-height:1.2em}
table{border-collapse:collapse;background:#fff;margin:.5em 0}td,th{padding:.3em .7em;border-bottom:1px solid #e4e7eb;text-align:right}
td:first-child,th:first-child{text-align:left}.flag{color:#b3261e;text-align:left}
"""


def _page(title: str, body: str, script: str = "") -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'><style>{STYLE}</style></head>"
        f"<body><main>{body}</main>{f'<script>{script}</script>' if script else ''}</body></html>"
    )


def message_page(title: str, message: str) -> str:
    return _page(title, f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>")


def done_page(total: int) -> str:
    return _page(
        "Thank you",
        f"<h1>All done</h1><p>You rated all {total} items. Thank you! You can close this page.</p>",
    )


def options(campaign: Campaign) -> list[tuple[str, str, str]]:
    """(value, label, key) of each answer button."""
    if campaign.mode == "gsb":
        return [
            ("left", "Left is better", "←/A"),
            ("same", "Same", "↓/S"),
            ("right", "Right is better", "→/D"),
        ]
    if campaign.scale == "likert":
        return [(str(v), str(v), str(v)) for v in range(1, 6)]
    return [("pass", "Yes", "P"), ("fail", "No", "F")]


def rating_page(
    *, token: str, assignment: int, campaign: Campaign, prompt: str, videos: list[str], done: int, total: int
) -> str:
    figures = "".join(
        f"<figure><video src='{html.escape(src)}' muted loop playsinline preload='auto'></video>"
        + (
            f"<figcaption class='muted'>{'Left' if i == 0 else 'Right'}</figcaption>"
            if len(videos) > 1
            else ""
        )
        + "</figure>"
        for i, src in enumerate(videos)
    )
    rows = "".join(
        f"<div class='row' data-criterion='{html.escape(c)}'><span class='q'>{html.escape(LABELS.get(c, c))}</span>"
        + "".join(
            f"<button class='opt' data-value='{html.escape(value)}'>{html.escape(label)} <kbd>{key}</kbd></button>"
            for value, label, key in options(campaign)
        )
        + "</div>"
        for c in campaign.criteria
    )
    body = (
        f"<div class='muted'>Item {done + 1} of {total}</div><div class='bar'><span style='width:{100 * done / max(total, 1):.1f}%'></span></div>"
        f"<div class='prompt' id='prompt'>{html.escape(prompt)}</div><div class='videos'>{figures}</div>{rows}"
        "<p><button id='submit' disabled>Submit <kbd>Enter</kbd></button> <span id='status'></span></p>"
        "<p class='muted'>Answer each question with the buttons or the keys shown; Backspace goes back one question.</p>"
    )
    config = {"post": f"/rate/{token}/{assignment}", "likert": campaign.scale == "likert" and campaign.mode != "gsb",
              "gsb": campaign.mode == "gsb"}  # fmt: skip
    return _page("Rate", body, RATING_SCRIPT.replace("__CONFIG__", json.dumps(config)))


RATING_SCRIPT = """
const cfg = __CONFIG__, started = performance.now();
const rows = [...document.querySelectorAll('.row')], values = {};
let current = 0, sending = false;
const videos = [...document.querySelectorAll('video')];
Promise.all(videos.map(v => v.play().catch(() => null)));
if (videos.length === 2) {  // keep the right video on the left one's clock
  videos[0].addEventListener('timeupdate', () => {
    if (Math.abs(videos[1].currentTime - videos[0].currentTime) > 0.08) videos[1].currentTime = videos[0].currentTime;
  });
}
function show() {
  rows.forEach((row, i) => {
    row.classList.toggle('current', i === current);
    row.querySelectorAll('.opt').forEach(b => b.classList.toggle('on', values[row.dataset.criterion] === b.dataset.value));
  });
  document.getElementById('submit').disabled = Object.keys(values).length < rows.length || sending;
}
function answer(i, value) {
  values[rows[i].dataset.criterion] = value;
  current = Math.min(i + 1, rows.length - 1);
  show();
}
rows.forEach((row, i) => row.querySelectorAll('.opt').forEach(b => b.addEventListener('click', () => answer(i, b.dataset.value))));
async function submit() {
  if (sending || Object.keys(values).length < rows.length) return;
  sending = true; show();
  const payload = {};
  for (const [k, v] of Object.entries(values)) payload[k] = cfg.likert ? Number(v) : v;
  try {
    const res = await fetch(cfg.post, {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({values: payload, seconds: (performance.now() - started) / 1000})});
    const reply = await res.json();
    if (res.ok || res.status === 409) { window.location.replace(reply.next); return; }
    document.getElementById('status').textContent = reply.error || ('error ' + res.status);
  } catch (e) {
    document.getElementById('status').textContent = 'Not saved: the connection dropped. Press Enter to try again.';
  }
  sending = false; show();
}
document.getElementById('submit').addEventListener('click', submit);
const keys = cfg.gsb ? {ArrowLeft: 'left', a: 'left', ArrowDown: 'same', s: 'same', ArrowRight: 'right', d: 'right'}
  : cfg.likert ? {1: '1', 2: '2', 3: '3', 4: '4', 5: '5'} : {p: 'pass', f: 'fail'};
document.addEventListener('keydown', e => {
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (key in keys) { e.preventDefault(); answer(current, keys[key]); }
  else if (key === 'Backspace') { e.preventDefault(); current = Math.max(current - 1, 0); show(); }
  else if (key === 'Enter') { e.preventDefault(); submit(); }
});
show();
"""


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, na_rep="–", border=0, float_format=lambda x: f"{x:.3g}", escape=True)


def admin_page(campaign: Campaign, status) -> str:
    raters = status.raters.copy()
    body = [
        f"<h1>Campaign {html.escape(campaign.name)}</h1>",
        f"<p>{html.escape(campaign.mode)} mode ({html.escape(campaign.scale)}), criteria "
        f"{html.escape(', '.join(campaign.criteria))}; {campaign.raters_per_item} raters per item; "
        f"{status.judgements} of {status.assignments} judgements committed.</p>",
        f"<p class='muted'>{html.escape(campaign.settings.get('power', ''))}</p>",
    ]
    if status.missing_videos:
        listed = "".join(f"<li>{html.escape(p)}</li>" for p in status.missing_videos[:20])
        body.append(
            f"<h2>Videos that moved</h2><p class='flag'>{len(status.missing_videos)} video file(s) are gone:</p><ul>{listed}</ul>"
        )
    body.append("<h2>Agreement</h2>")
    body.append(
        _table(status.agreement)
        if not status.agreement.empty
        else "<p class='muted'>Not yet: items need two judgements.</p>"
    )
    body.append("<h2>Raters</h2>")
    if not raters.empty:
        raters["gold_accuracy"] = raters["gold_accuracy"].map(lambda x: "–" if pd.isna(x) else f"{x:.0%}")
        body.append(_table(raters))
    return _page(f"Admin: {campaign.name}", "".join(body))
