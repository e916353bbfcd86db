"""Server-rendered pages of the rating app for raters: plain HTML and a little plain JavaScript, no build
chain. (The admin page is admin_pages.py.)

The rating page shows the prompt, the video (two, playing in sync, for a side-by-side item) with
play/pause, replay and a scrubber, one row of buttons per criterion, a comment box, "cannot judge", and
the rater's progress with the time left. The answers unlock once every video has played through (the
seconds actually played add up to its duration: scrubbing to the end does not count). Keys: absolute
binary P (pass) / F (fail), Likert 1-5, side-by-side ← or A (left better), ↓ or S (same), → or D (right
better); each answer moves to the next criterion; Backspace goes back one; Enter submits, or says what
is still missing; Space plays or pauses, R replays. Keys pressed with Ctrl, Alt or Meta (Ctrl+F, ...)
and keys typed into the comment box are left to the browser. The judgement is POSTed and the next item
requested only after the server confirmed the commit.
"""

from __future__ import annotations

import html
import json

from evalsuite.rating.settings import CRITERIA_TEXT, CampaignSettings, question
from evalsuite.rating.store import Campaign

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
main{max-width:1100px;margin:0 auto;padding:1.2em}
.prompt{font-size:1.25em;background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:.8em 1em;margin:.6em 0}
.videos{display:flex;gap:1em;justify-content:center}.videos figure{margin:0;flex:1;text-align:center}
video{width:100%;max-height:48vh;background:#000;border-radius:6px}
.controls{display:flex;align-items:center;gap:.6em;margin:.4em 0}.controls input[type=range]{flex:1}
.row{display:flex;align-items:center;gap:.6em;background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:.5em .8em;margin:.4em 0}
.row.current{border-color:#2f6fd6;box-shadow:0 0 0 2px #2f6fd633}.row .q{flex:1}
.locked .row{opacity:.55}
button{font-size:1em;padding:.35em .9em;border:1px solid #b9c0c8;border-radius:6px;background:#fff;cursor:pointer}
button.opt.on{background:#2f6fd6;color:#fff;border-color:#2f6fd6}button:disabled{cursor:default}
kbd{font-size:.8em;border:1px solid #b9c0c8;border-radius:3px;padding:0 .3em;background:#f1f3f5;color:#1b1f24}
#submit,.primary{font-size:1.05em;padding:.5em 1.4em;border:0;border-radius:6px;background:#1f8f4e;color:#fff;cursor:pointer}
#submit:disabled,.primary:disabled{background:#9bb7a6}
.bar{height:6px;background:#dde1e6;border-radius:3px;overflow:hidden}.bar span{display:block;height:100%;background:#2f6fd6}
.muted{color:#5f6b77;font-size:.9em}#status{color:#b3261e;min-height:1.2em}
.note{background:#fff8e1;border:1px solid #f0d58c;border-radius:8px;padding:.6em 1em;margin:.6em 0}
.feedback{background:#e8f3ec;border:1px solid #9bcfae;border-radius:8px;padding:.6em 1em;margin:.6em 0}
.feedback.wrong{background:#fdecea;border-color:#f2b8b5}
textarea{width:100%;box-sizing:border-box;font:inherit;border:1px solid #b9c0c8;border-radius:6px;padding:.4em}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:.6em 1.2em;margin:.6em 0}
table{border-collapse:collapse;background:#fff;margin:.5em 0}td,th{padding:.3em .7em;border-bottom:1px solid #e4e7eb;text-align:right}
td:first-child,th:first-child{text-align:left}.flag{color:#b3261e;text-align:left}
main.wide{max-width:1500px}main.wide td{white-space:nowrap}main.wide td form button{font-size:.85em;padding:.2em .6em;margin:.1em}
"""


def page(title: str, body: str, script: str = "") -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'><meta name='referrer' content='no-referrer'>"
        f"<style>{STYLE}</style></head>"
        f"<body><main>{body}</main>{f'<script>{script}</script>' if script else ''}</body></html>"
    )


def message_page(title: str, message: str) -> str:
    return page(title, f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>")


def paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(block.strip())}</p>" for block in text.split("\n\n") if block.strip())


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


def criteria_list(campaign: Campaign) -> str:
    items = []
    for criterion in campaign.criteria:
        asked, explained = CRITERIA_TEXT.get(criterion, (question(criterion), ""))
        items.append(f"<li><b>{html.escape(asked)}</b> {html.escape(explained)}</li>")
    return f"<ul>{''.join(items)}</ul>"


def how_to_answer(campaign: Campaign) -> str:
    if campaign.mode == "gsb":
        scale = ("You see two videos made from the same text, side by side. For each question, say which "
                 "is better: Left, Same, or Right.")  # fmt: skip
    elif campaign.scale == "likert":
        scale = "For each question, answer from 1 (not at all) to 5 (completely)."
    else:
        scale = "For each question, answer Yes or No."
    return (
        f"<p>{scale} Answers unlock once the video has played through. Keys: "
        + ", ".join(f"<kbd>{html.escape(k)}</kbd> {html.escape(label)}" for _, label, k in options(campaign))
        + "; <kbd>Enter</kbd> submits, <kbd>Space</kbd> pauses, <kbd>R</kbd> replays. If a video does not "
        "play or you cannot tell, use “Cannot judge” and say why in the comment.</p>"
    )


def instructions_page(token: str, campaign: Campaign, settings: CampaignSettings, total: int) -> str:
    owner_text = paragraphs(settings.instructions) if settings.instructions else ""
    practice = (
        f"<p>First, {settings.practice} practice item{'s' if settings.practice > 1 else ''} show"
        f"{'' if settings.practice > 1 else 's'} you the expected answer; practice does not count.</p>"
        if settings.practice
        else ""
    )
    body = (
        "<h1>Instructions</h1>"
        + (f"<div class='card'>{owner_text}</div>" if owner_text else "")
        + f"<div class='card'><p>You will rate {total} {'pairs of short videos' if campaign.mode == 'gsb' else 'short videos'} "
        "made from a text description. The text is shown above the video.</p><h2>What to judge</h2>"
        + criteria_list(campaign)
        + how_to_answer(campaign)
        + practice
        + "<p>Some items check attention; answer every item carefully.</p></div>"
        + f"<form method='post' action='/rate/{html.escape(token)}/consent' class='card'>"
        "<h2>Consent</h2><p>Your answers are stored with an anonymous rater id (and your platform id if you "
        "came from one) and used only to evaluate video-generation systems. You can stop at any time.</p>"
        "<p><label><input type='checkbox' id='agree' required> I have read the instructions and agree to take part.</label></p>"
        "<p><button class='primary' id='start' type='submit'>Start</button></p></form>"
    )
    return page("Instructions", body)


def practice_done_page(token: str, correct: int, total: int) -> str:
    body = (
        f"<h1>Practice finished</h1><p>You matched the expected answer on {correct} of {total} practice items.</p>"
        "<p>From now on your answers count. Take the same care with every item.</p>"
        f"<form method='post' action='/rate/{html.escape(token)}/start'>"
        "<button class='primary' id='begin' type='submit'>Start rating</button></form>"
    )
    return page("Practice finished", body)


def preview_page(campaign: Campaign) -> str:
    """MTurk's preview (no assignment accepted yet): what the task is, no rater created."""
    body = ("<h1>Rate short videos</h1><p>Accept the task to start: you will read instructions, do a short "
            "practice round and then rate videos against their text descriptions.</p>" + criteria_list(campaign))  # fmt: skip
    return page("Preview", body)


def end_page(rater, settings: CampaignSettings, *, screened_out: bool, total: int = 0) -> str:
    """The end: thanks, and for a crowd participant the platform's code and the way back to it."""
    crowd = settings.crowd
    if screened_out:
        title = "Thank you"
        text = "The attention checks were not passed, so this study ends here."
        code = crowd.screenout_code if crowd else None
    else:
        title = "All done"
        text = f"You rated all {total} items. Thank you!"
        code = crowd.completion_code if crowd else None
    parts = [f"<h1>{title}</h1><p>{html.escape(text)}</p>"]
    if crowd and code:
        parts.append(f"<p>Your code: <b id='code'>{html.escape(code)}</b></p>")
        url = crowd.completion_url(code)
        submit_to = (rater.entry or {}).get("turkSubmitTo", "")
        if url:
            parts.append(
                f"<p><a class='primary' id='back' href='{html.escape(url)}' rel='noreferrer'>Back to the platform</a></p>"
            )
        elif crowd.platform == "mturk" and submit_to.rstrip("/") in (
            "https://www.mturk.com",
            "https://workersandbox.mturk.com",
        ):
            parts.append(
                f"<form method='post' action='{html.escape(submit_to.rstrip('/'))}/mturk/externalSubmit'>"
                f"<input type='hidden' name='assignmentId' value='{html.escape(rater.entry.get('assignmentId', ''))}'>"
                f"<input type='hidden' name='code' value='{html.escape(code)}'>"
                "<button class='primary' id='back' type='submit'>Submit the task</button></form>"
            )  # fmt: skip
        else:
            parts.append("<p>Enter this code on the platform to finish.</p>")
    elif not screened_out:
        parts.append("<p>You can close this page.</p>")
    return page(title, "".join(parts))


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f" · about {max(round(seconds / 60), 1)} min left"


def rating_page(
    *, token: str, key: str, campaign: Campaign, prompt: str, videos: list[str], done: int, total: int,
    practice: bool, seconds_left: float | None, required: float, ticket: str,
) -> str:  # fmt: skip
    figures = "".join(
        f"<figure><video src='{html.escape(src)}' muted playsinline preload='auto'></video>"
        + (
            f"<figcaption class='muted'>{'Left' if i == 0 else 'Right'}</figcaption>"
            if len(videos) > 1
            else ""
        )
        + "</figure>"
        for i, src in enumerate(videos)
    )
    rows = "".join(
        f"<div class='row' data-criterion='{html.escape(c)}'><span class='q'>{html.escape(question(c))}</span>"
        + "".join(
            f"<button class='opt' disabled data-value='{html.escape(value)}'>{html.escape(label)} <kbd>{key_}</kbd></button>"
            for value, label, key_ in options(campaign)
        )
        + "</div>"
        for c in campaign.criteria
    )
    where = (
        f"Practice {done + 1} of {total}"
        if practice
        else f"Item {done + 1} of {total}{_minutes(seconds_left)}"
    )
    body = (
        f"<div class='muted' id='progress'>{where}</div><div class='bar'><span style='width:{100 * done / max(total, 1):.1f}%'></span></div>"
        + ("<div class='note'>Practice: this item does not count; you will see the expected answer.</div>" if practice else "")
        + f"<div class='prompt' id='prompt'>{html.escape(prompt)}</div><div class='videos'>{figures}</div>"
        "<div class='controls'><button id='play' type='button'>Pause <kbd>Space</kbd></button>"
        "<button id='replay' type='button'>Replay <kbd>R</kbd></button><input id='scrub' type='range' min='0' max='1000' value='0' aria-label='position'></div>"
        "<p class='muted' id='lock'>The answers unlock when the video has played through once.</p>"
        f"<div id='answers' class='locked'>{rows}</div>"
        "<p><textarea id='comment' rows='1' maxlength='2000' placeholder='Comment (optional)'></textarea></p>"
        "<p><button id='submit' disabled>Submit <kbd>Enter</kbd></button> <button id='cannot' type='button' disabled>Cannot judge</button> "
        "<span id='status'></span></p><div id='feedback'></div>"
        "<p class='muted'>Answer each question with the buttons or the keys shown; Backspace goes back one question.</p>"
    )  # fmt: skip
    config = {
        "post": f"/rate/{token}/{key}", "next": f"/rate/{token}", "required": required, "ticket": ticket,
        "likert": campaign.scale == "likert" and campaign.mode != "gsb", "gsb": campaign.mode == "gsb",
        "labels": {c: question(c) for c in campaign.criteria},
    }  # fmt: skip
    return page("Rate", body, RATING_SCRIPT.replace("__CONFIG__", json.dumps(config)))


def practice_feedback(campaign: Campaign, item, assignment, submission) -> dict:
    """Whether a practice answer matched, and the expected answer explained."""
    from evalsuite.rating.monitor import gold_correct

    correct = gold_correct(submission.values, item.gold, assignment.a_on_left, submission.cannot_judge)
    answer = next(iter(item.gold.values()))
    if answer == "same":
        why = "The two videos are the same clip, so every answer is “Same”."
    elif answer == "a":
        side = "left" if assignment.a_on_left else "right"
        why = f"Only the {side} video shows what the text says, so text alignment goes to the {side} video."
    elif answer == "<=2":
        why = "The video shows something other than the text, so text alignment is 1 or 2."
    else:
        why = "The video shows something other than the text, so the answer on text alignment is “No”."
    return {"correct": correct, "text": ("Right. " if correct else "Not quite. ") + why}


RATING_SCRIPT = """
const cfg = __CONFIG__, started = performance.now();
const rows = [...document.querySelectorAll('.row')], values = {};
const videos = [...document.querySelectorAll('video')];
const $ = id => document.getElementById(id);
let current = 0, sending = false, unlocked = false, finished = false;
// The lead is the longest video: the loop restarts when it ends, and the answers unlock when it has
// played through (its seconds actually played add up to its duration; a scrub adds nothing).
let lead = videos[0], played = 0, last = null;
videos.forEach(v => v.addEventListener('loadedmetadata', () => {
  if (videos.every(w => w.duration)) lead = videos.reduce((a, b) => (b.duration > a.duration ? b : a));
}));
videos.forEach(v => {
  v.addEventListener('timeupdate', () => {
    if (v !== lead) return;
    const step = last === null ? 0 : v.currentTime - last;
    if (!v.paused && step > 0 && step < 0.75) played += step;
    last = v.currentTime;
    if (v.duration) $('scrub').value = Math.round(1000 * v.currentTime / v.duration);
    if (!unlocked && videos.every(w => w.duration) && played >= 0.95 * v.duration) unlock();
    videos.forEach(w => {  // the others on the lead's clock, while they last
      if (w !== v && v.currentTime < w.duration && Math.abs(w.currentTime - v.currentTime) > 0.08) w.currentTime = v.currentTime;
    });
  });
  v.addEventListener('seeking', () => { if (v === lead) last = null; });
  v.addEventListener('ended', () => { if (v === lead) restart(); });
});
function restart() { last = null; videos.forEach(v => { v.currentTime = 0; v.play().catch(() => null); }); }
videos.forEach(v => v.play().catch(() => null));
function toggle() {
  const pause = !lead.paused;
  videos.forEach(v => pause ? v.pause() : v.play().catch(() => null));
  $('play').firstChild.textContent = pause ? 'Play ' : 'Pause ';
}
$('play').addEventListener('click', toggle);
$('replay').addEventListener('click', restart);
$('scrub').addEventListener('input', e => {
  const t = lead.duration * e.target.value / 1000;
  if (t >= 0) videos.forEach(v => { v.currentTime = Math.min(t, v.duration || t); });
});
function unlock() {
  unlocked = true;
  $('answers').classList.remove('locked');
  $('lock').textContent = '';
  document.querySelectorAll('.opt').forEach(b => b.disabled = false);
  $('cannot').disabled = false;
  show();
}
function missing() { return rows.filter(r => !(r.dataset.criterion in values)).map(r => cfg.labels[r.dataset.criterion]); }
function show() {
  rows.forEach((row, i) => {
    row.classList.toggle('current', unlocked && i === current);
    row.querySelectorAll('.opt').forEach(b => b.classList.toggle('on', values[row.dataset.criterion] === b.dataset.value));
  });
  $('submit').disabled = !unlocked || missing().length > 0 || sending || finished;
}
function answer(i, value) {
  if (!unlocked || finished) return;
  values[rows[i].dataset.criterion] = value;
  current = Math.min(i + 1, rows.length - 1);
  $('status').textContent = '';
  show();
}
rows.forEach((row, i) => row.querySelectorAll('.opt').forEach(b => b.addEventListener('click', () => answer(i, b.dataset.value))));
async function send(cannotJudge) {
  if (finished) { window.location.replace(cfg.next); return; }
  if (sending || !unlocked) return;
  if (!cannotJudge && missing().length) { $('status').textContent = 'Still to answer: ' + missing().join('; '); return; }
  sending = true; show();
  const payload = {};
  if (!cannotJudge) for (const [k, v] of Object.entries(values)) payload[k] = cfg.likert ? Number(v) : v;
  const body = {values: payload, seconds: Math.max((performance.now() - started) / 1000, 0.001), cannot_judge: cannotJudge,
                ticket: cfg.ticket};
  const comment = $('comment').value.trim();
  if (comment) body.comment = comment;
  try {
    const res = await fetch(cfg.post, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
    const reply = await res.json();
    if (res.ok && reply.feedback) {
      finished = true;
      const box = $('feedback');
      box.className = 'feedback' + (reply.feedback.correct ? '' : ' wrong');
      box.textContent = reply.feedback.text + ' Press Enter to go on.';
      sending = false; show(); return;
    }
    if (res.ok || res.status === 409) { window.location.replace(reply.next); return; }
    $('status').textContent = reply.error || ('error ' + res.status);
  } catch (e) {
    $('status').textContent = 'Not saved: the connection dropped. Press Enter to try again.';
  }
  sending = false; show();
}
$('submit').addEventListener('click', () => send(false));
$('cannot').addEventListener('click', () => send(true));
const keys = cfg.gsb ? {ArrowLeft: 'left', a: 'left', ArrowDown: 'same', s: 'same', ArrowRight: 'right', d: 'right'}
  : cfg.likert ? {1: '1', 2: '2', 3: '3', 4: '4', 5: '5'} : {p: 'pass', f: 'fail'};
document.addEventListener('keydown', e => {
  if (e.ctrlKey || e.altKey || e.metaKey || e.target.tagName === 'TEXTAREA' || e.target.tagName === 'INPUT') return;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (key in keys) { e.preventDefault(); answer(current, keys[key]); }
  else if (key === 'Backspace') { e.preventDefault(); current = Math.max(current - 1, 0); show(); }
  else if (key === 'Enter') { e.preventDefault(); send(false); }
  else if (key === ' ') { e.preventDefault(); toggle(); }
  else if (key === 'r') { e.preventDefault(); restart(); }
});
show();
"""
