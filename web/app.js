// moodtune web page: camera (live preview, 3-2-1 countdown, a second press cancels) or file
// upload -> POST /v1/recommendations -> one result area (annotated image, 7 emotion bars, five
// tracks with explicit Spotify/Deezer links, a preview or the reason there is none, like/skip).
// Strategy/genre changes re-ask GET /v1/recommendations for the last emotion. The Live mood
// switch sends a frame a second to a live session and changes tracks only when it says so.
// No external scripts: everything here is served by the moodtune binary.
'use strict';

const EMOTIONS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];
const $ = (id) => document.getElementById(id);

// A stable anonymous listener id, so like/skip and recent plays shape later answers.
function listenerId() {
  let id = null;
  try { id = localStorage.getItem('moodtune-listener'); } catch (e) { /* private mode */ }
  if (!id) {
    const bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    id = 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    try { localStorage.setItem('moodtune-listener', id); } catch (e) { /* ignore */ }
  }
  return id;
}

let stream = null;
let countdown = null;    // the running countdown: { timer, resolve } while counting
let starting = false;    // the camera is starting
let busy = false;        // a photo is being sent
let lastEmotion = null;  // the emotion of the last answer, for strategy/genre changes
let answerSeq = 0;       // answers older than the latest request are dropped

const COUNTDOWN_S = 3;

function setStatus(text) { $('status').textContent = text; }
function showError(text) {
  const e = $('error');
  e.hidden = !text;
  e.textContent = text;
}

// One result area: each answer replaces it, a failed answer empties it.
function clearResult() {
  lastEmotion = null;
  $('result').hidden = true;
  $('emotion').textContent = '';
  $('confidence').textContent = '';
  $('annotated').removeAttribute('src');
  $('bars').replaceChildren();
  $('tracks').replaceChildren();
}

// One camera start at a time: Capture and the Live switch may both ask while the permission
// prompt is open; a second getUserMedia would leak a stream and start a second frame loop.
let cameraStarting = null;
function startCamera() {
  if (stream) return Promise.resolve(true);
  if (!cameraStarting) cameraStarting = openCamera().finally(() => { cameraStarting = null; });
  return cameraStarting;
}

async function openCamera() {
  if (stream) return true;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    const msg = 'No camera access here; upload a photo instead.';
    $('camera-note').textContent = msg;
    showError(msg);
    return false;
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' }, audio: false });
  } catch (err) {
    const msg = 'Camera unavailable (' + err.name + '); upload a photo instead.';
    $('camera-note').textContent = msg;
    showError(msg);
    return false;
  }
  const video = $('video');
  video.srcObject = stream;
  await video.play();
  if (video.readyState < 2 || !video.videoWidth) {
    await new Promise((resolve) => video.addEventListener('loadeddata', resolve, { once: true }));
  }
  $('camera-note').textContent = 'Camera on. Frame your face; Capture (or C) counts down from ' +
    COUNTDOWN_S + ', pressing it again cancels.';
  liveBoxes();
  return true;
}

// Live face box: about once a second a downscaled frame goes to POST /v1/analyze?annotate=0
// and the boxes it finds are drawn over the preview, where the camera sees the face.
const LIVE_WIDTH = 320;      // px, width of the frame sent
const LIVE_PERIOD_MS = 1000;

async function liveBoxes() {
  const video = $('video');
  const small = document.createElement('canvas');
  let backoff = LIVE_PERIOD_MS;
  for (;;) {
    const started = Date.now();
    if (!document.hidden && !busy && video.videoWidth) {
      small.width = LIVE_WIDTH;
      small.height = Math.round(LIVE_WIDTH * video.videoHeight / video.videoWidth);
      small.getContext('2d').drawImage(video, 0, 0, small.width, small.height);
      const blob = await new Promise((resolve) => small.toBlob(resolve, 'image/jpeg', 0.7));
      let faces = null;
      if (live.on) {
        // Live mood: the same frame goes to the session instead (its answer has the boxes).
        live.inflight = liveFrame(blob);
        const r = await live.inflight;
        live.inflight = null;
        faces = r.faces;
        backoff = r.retryMs || LIVE_PERIOD_MS;
      } else {
        try {
          const res = await fetch('/v1/analyze?annotate=0', {
            method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: blob });
          if (res.ok) faces = (await res.json()).faces;
          else if (res.status === 401 || res.status === 404) return;  // not offered here
          else backoff = Math.min(backoff * 2, 30000);  // 429 or busy: ask less often
        } catch (err) { /* the next frame tries again */ }
        if (faces) backoff = LIVE_PERIOD_MS;
      }
      drawBoxes(faces || [], small.width / video.videoWidth);
    }
    await new Promise((r) => setTimeout(r, Math.max(200, backoff - (Date.now() - started))));
  }
}

// Live mood (issue 13): while the switch is on, the frame above goes to a live session,
// POST /v1/live/{id}/frames, which smooths the seven probabilities over time; the page shows
// them with their trend, and changes the tracks only when the answer says mood_changed.
const live = { on: false, id: null, mood: null, inflight: null };

function setLiveSwitch(on) {
  const b = $('live-toggle');
  b.setAttribute('aria-checked', String(on));
  b.querySelector('.switch-state').textContent = on ? 'on' : 'off';
}

async function toggleLive() {
  if (live.on) {
    stopLive();
    return;
  }
  live.on = true;
  setLiveSwitch(true);
  showError('');
  $('live-mood').hidden = false;
  $('live-status').textContent = 'Live mood on: reading your face about once a second.';
  if (!(await startCamera())) stopLive();
}

function stopLive() {
  live.on = false;
  setLiveSwitch(false);
  const id = live.id;
  live.id = null;
  live.mood = null;
  // After a frame still on its way (deleting first would make its answer a 404).
  const del = () => fetch('/v1/live/' + id, { method: 'DELETE', keepalive: true }).catch(() => {});
  if (id) (live.inflight || Promise.resolve()).then(del, del);
  $('live-status').textContent = 'Live mood off.';
}

// Sends one frame to the session (made on first use, again when it expired). Returns the
// frame's faces (null when none came back) and, after a refusal, how long to wait.
async function liveFrame(blob) {
  try {
    if (!live.id) {
      const res = await fetch('/v1/live', { method: 'POST' });
      const body = await res.json().catch(() => null);
      if (!res.ok) throw new Error(errorText(res, body));
      if (!live.on) {  // switched off while the session was made
        fetch('/v1/live/' + body.session_id, { method: 'DELETE', keepalive: true }).catch(() => {});
        return { faces: null };
      }
      live.id = body.session_id;
    }
    const id = live.id;
    const q = new URLSearchParams({ t_ms: String(Math.round(performance.now())), n: '5',
                                    strategy: $('strategy').value, listener: listenerId() });
    if ($('genre').value) q.set('genre', $('genre').value);
    const res = await fetch('/v1/live/' + id + '/frames?' + q.toString(), {
      method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: blob });
    const body = await res.json().catch(() => null);
    if (!live.on || live.id !== id) return { faces: null };  // switched off meanwhile
    if (res.status === 404) {  // expired: a new session with the next frame
      live.id = null;
      return { faces: null };
    }
    if (!res.ok) {
      const wait = Number(res.headers.get('Retry-After')) || 2;
      $('live-status').textContent = 'Live mood paused: ' + errorText(res, body);
      return { faces: null, retryMs: wait * 1000 };
    }
    renderLive(body);
    return { faces: body.faces };
  } catch (err) {
    $('live-status').textContent = 'Live mood paused: ' + err.message;
    return { faces: null, retryMs: 5000 };
  }
}

function renderLive(s) {
  const pct = (p) => Math.round(p * 100);
  if ($('live-status').textContent.startsWith('Live mood paused')) {
    $('live-status').textContent = 'Live mood on again.';
  }
  $('live-current').textContent = s.mood
    ? s.mood + ' (' + pct(s.mood_confidence) + '%)' + (s.candidate ? ', ' + s.candidate + ' rising' : '')
    : (s.smoothed ? 'settling…' : 'no face yet');
  const bars = $('live-bars');
  bars.replaceChildren();
  if (s.smoothed) {
    for (const name of EMOTIONS) {
      const p = s.smoothed[name] || 0, d = pct(s.trend[name] || 0);
      const li = document.createElement('li');
      li.className = 'bar' + (name === s.mood ? ' top' : '');
      const label = document.createElement('span');
      label.className = 'bar-label';
      label.textContent = name;
      const meter = document.createElement('meter');
      meter.min = 0; meter.max = 1; meter.value = p;
      meter.setAttribute('aria-label', name + ' ' + pct(p) + ' percent');
      const value = document.createElement('span');
      value.className = 'bar-value';
      value.textContent = pct(p) + '%';
      const trend = document.createElement('span');
      trend.className = 'trend' + (d > 0 ? ' up' : d < 0 ? ' down' : '');
      trend.textContent = d > 0 ? '+' + d : d < 0 ? '\u2212' + -d : '0';
      trend.setAttribute('aria-label', d > 0 ? 'rising ' + d + ' points' :
                         d < 0 ? 'falling ' + -d + ' points' : 'steady');
      li.append(label, meter, value, trend);
      bars.append(li);
    }
  }
  drawSpark(s.history);
  if (s.mood_changed) {
    // Only now do the tracks change: the mood moved and stayed moved.
    ++answerSeq;  // an older photo answer must not replace these
    lastEmotion = s.mood;
    $('emotion').textContent = s.mood;
    $('confidence').textContent = '(' + pct(s.mood_confidence) + '%, live)';
    $('annotated').removeAttribute('src');
    $('annotated').hidden = true;
    renderBars(s.smoothed, s.mood);
    renderTracks(s.recommendations || []);
    $('result').hidden = false;
    $('live-status').textContent = (live.mood ? 'Your mood moved to ' : 'Your mood: ') + s.mood +
      '. New tracks.';
    live.mood = s.mood;
  }
}

// The leading emotion's smoothed probability over the last readings, as a small line.
function drawSpark(history) {
  const c = $('live-spark');
  const g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  c.dataset.points = String(history.length);
  if (history.length < 2) return;
  const t0 = history[0].t_s, t1 = history[history.length - 1].t_s;
  const x = (t) => (t1 > t0 ? (t - t0) / (t1 - t0) : 1) * (c.width - 4) + 2;
  const y = (p) => c.height - 2 - p * (c.height - 4);
  g.strokeStyle = '#6b3fd4';
  g.lineWidth = 2;
  g.beginPath();
  history.forEach((h, i) => (i ? g.lineTo(x(h.t_s), y(h.confidence)) : g.moveTo(x(h.t_s), y(h.confidence))));
  g.stroke();
}

// faces: boxes in the downscaled frame; scale: downscaled / camera pixels.
function drawBoxes(faces, scale) {
  const video = $('video');
  const overlay = $('overlay');
  const dpr = window.devicePixelRatio || 1;
  const cw = video.clientWidth, ch = video.clientHeight;
  overlay.width = Math.round(cw * dpr);
  overlay.height = Math.round(ch * dpr);
  overlay.dataset.faces = String(faces.length);
  const g = overlay.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, cw, ch);
  // object-fit: contain puts the frame at (ox, oy) with this scale inside the element.
  const fit = Math.min(cw / video.videoWidth, ch / video.videoHeight);
  const ox = (cw - video.videoWidth * fit) / 2, oy = (ch - video.videoHeight * fit) / 2;
  const k = fit / scale;
  g.lineWidth = 3;
  g.font = '600 14px system-ui, sans-serif';
  for (const f of faces) {
    const [x, y, w, h] = f.box;
    g.strokeStyle = '#ffbf47';
    g.strokeRect(ox + x * k, oy + y * k, w * k, h * k);
    g.fillStyle = '#ffbf47';
    g.fillText(f.emotion, ox + x * k, Math.max(14, oy + y * k - 4));
  }
}

function captureFrame() {
  const video = $('video');
  const canvas = $('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
}

function setCounting(on) {
  $('capture-label').textContent = on ? 'Cancel' : 'Capture';
  $('capture').classList.toggle('counting', on);
  if (!on) $('countdown').hidden = true;
}

// Counts down on the preview; resolves true when the time is up, false when cancelled.
function runCountdown() {
  return new Promise((resolve) => {
    let left = COUNTDOWN_S;
    const show = () => {
      $('countdown').textContent = String(left);
      $('countdown').hidden = false;
      setStatus('Photo in ' + left + '…' + (left === COUNTDOWN_S ? ' Press Capture again to cancel.' : ''));
    };
    const tick = () => {
      left -= 1;
      if (left <= 0) { countdown = null; resolve(true); return; }
      show();
      countdown.timer = setTimeout(tick, 1000);
    };
    countdown = { timer: setTimeout(tick, 1000), resolve };
    setCounting(true);
    show();
  });
}

// quiet: an upload took over, so no "Cancelled" status.
function cancelCountdown(quiet) {
  if (!countdown) return;
  clearTimeout(countdown.timer);
  const { resolve } = countdown;
  countdown = null;
  resolve(quiet ? null : false);
}

async function onCapture() {
  if (countdown) {  // a second press while counting cancels
    cancelCountdown();
    return;
  }
  if (starting || busy) return;
  const button = $('capture');
  showError('');
  starting = true;
  button.disabled = true;
  let ok = false;
  try {
    ok = await startCamera();
  } finally {
    starting = false;
    button.disabled = false;
  }
  if (!ok) return;
  const shoot = await runCountdown();
  setCounting(false);
  if (shoot !== true) {
    if (shoot === false) setStatus('Cancelled. Press Capture to try again.');
    return;
  }
  busy = true;
  button.disabled = true;
  try {
    setStatus('Click! Reading your mood…');
    const blob = await captureFrame();
    await send(blob, 'camera.jpg');
  } finally {
    busy = false;
    button.disabled = false;
  }
}

function errorText(res, body) {
  const e = body && body.error;
  if (e && e.code === 'no_face') return 'No face found. Face the camera in good light and try again.';
  return e && e.message ? e.message : 'HTTP ' + res.status;
}

async function send(blob, filename) {
  showError('');
  setStatus('Reading your mood…');
  const seq = ++answerSeq;
  const form = new FormData();
  form.append('image', blob, filename);
  form.append('n', '5');
  form.append('strategy', $('strategy').value);
  if ($('genre').value) form.append('genre', $('genre').value);
  form.append('listener', listenerId());
  let res, body;
  try {
    res = await fetch('/v1/recommendations', { method: 'POST', body: form });
    body = await res.json().catch(() => null);
  } catch (err) {
    if (seq !== answerSeq) return;
    clearResult();
    setStatus('');
    showError('The service did not answer: ' + err.message);
    return;
  }
  if (seq !== answerSeq) return;
  if (!res.ok) {
    clearResult();
    setStatus('');
    showError(errorText(res, body));
    return;
  }
  render(body);
  setStatus('Done: ' + body.emotion + '.');
}

// Strategy or genre changed: new tracks for the last emotion, without a new photo.
async function refreshTracks() {
  if (!lastEmotion) return;
  const seq = ++answerSeq;
  const q = new URLSearchParams({ emotion: lastEmotion, n: '5', strategy: $('strategy').value,
                                  listener: listenerId() });
  if ($('genre').value) q.set('genre', $('genre').value);
  showError('');
  setStatus('Finding new tracks…');
  let res, body;
  try {
    res = await fetch('/v1/recommendations?' + q.toString());
    body = await res.json().catch(() => null);
  } catch (err) {
    body = null;
    res = { ok: false, status: 0 };
  }
  if (seq !== answerSeq) return;
  if (!res.ok) {
    $('tracks').replaceChildren();
    setStatus('');
    showError('New tracks failed: ' + errorText(res, body));
    return;
  }
  renderTracks(body.recommendations);
  const s = $('strategy');
  setStatus('Tracks updated: ' + s.options[s.selectedIndex].text +
            ($('genre').value ? ', ' + $('genre').value : '') + '.');
}

function render(r) {
  lastEmotion = r.emotion;
  $('emotion').textContent = r.emotion;
  $('confidence').textContent = '(' + Math.round(r.confidence * 100) + '%)';
  if (r.annotated_image) $('annotated').src = r.annotated_image;
  else $('annotated').removeAttribute('src');
  $('annotated').hidden = !r.annotated_image;
  renderBars(r.probabilities, r.emotion);
  renderTracks(r.recommendations);
  $('result').hidden = false;
  $('result').focus();
}

// The result area's seven bars; `top` is highlighted.
function renderBars(probabilities, top) {
  const bars = $('bars');
  bars.replaceChildren();
  for (const name of EMOTIONS) {
    const p = probabilities[name] || 0;
    const li = document.createElement('li');
    li.className = 'bar' + (name === top ? ' top' : '');
    const label = document.createElement('span');
    label.className = 'bar-label';
    label.textContent = name;
    const meter = document.createElement('meter');
    meter.min = 0; meter.max = 1; meter.value = p;
    meter.setAttribute('aria-label', name + ' ' + Math.round(p * 100) + ' percent');
    const value = document.createElement('span');
    value.className = 'bar-value';
    value.textContent = Math.round(p * 100) + '%';
    li.append(label, meter, value);
    bars.append(li);
  }
}

function renderTracks(tracks) {
  const list = $('tracks');
  list.replaceChildren();
  for (const t of tracks) list.append(trackItem(t));
  if (!tracks.length) {
    const li = document.createElement('li');
    li.className = 'no-tracks';
    li.textContent = 'No tracks match this mood and genre; try another genre.';
    list.append(li);
  }
}

// Icons are inline SVG (no emoji font needed); the button text says what they do.
const ICONS = {
  like: 'M8 14s-6-3.6-6-8a3.2 3.2 0 0 1 6-1.6A3.2 3.2 0 0 1 14 6c0 4.4-6 8-6 8z',
  skip: 'M2 3l6 5-6 5zM8 3l5 5-5 5zM13 3h2v10h-2z',
};
function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[name]);
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}

function externalLink(href, service, title, cls) {
  const a = document.createElement('a');
  a.className = cls;
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  a.textContent = 'Open in ' + service;
  a.setAttribute('aria-label', 'Open ' + title + ' in ' + service + ' (new tab)');
  return a;
}

function trackItem(t) {
  const li = document.createElement('li');
  li.className = 'track';
  li.dataset.trackId = t.id;
  const title = document.createElement('span');
  title.className = 'track-title';
  title.textContent = t.title;
  const who = document.createElement('span');
  who.className = 'track-artists';
  who.textContent = t.artists.join(', ') + (t.genre ? ' · ' + t.genre : '');
  const links = document.createElement('span');
  links.className = 'track-links';
  const spotify = t.spotify_url || t.url;
  if (spotify) links.append(externalLink(spotify, 'Spotify', t.title, 'spotify'));
  if (t.deezer_url) links.append(externalLink(t.deezer_url, 'Deezer', t.title, 'deezer'));
  li.append(title, who, links);
  if (t.preview_url) {
    const audio = document.createElement('audio');
    audio.controls = true;
    audio.preload = 'none';
    audio.src = t.preview_url;
    audio.setAttribute('aria-label', 'Preview of ' + t.title);
    li.append(audio);
  } else {
    const why = document.createElement('span');
    why.className = 'preview-reason';
    why.textContent = 'No preview: ' + (t.preview_reason || 'none available') + '.';
    li.append(why);
  }
  const actions = document.createElement('span');
  actions.className = 'track-actions';
  for (const action of ['like', 'skip']) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = action;
    b.append(icon(action), action === 'like' ? 'Like' : 'Skip');
    b.setAttribute('aria-pressed', 'false');
    b.setAttribute('aria-label', (action === 'like' ? 'Like ' : 'Skip ') + t.title);
    b.addEventListener('click', () => feedback(t, action, b, actions));
    actions.append(b);
  }
  li.append(actions);
  return li;
}

// One id per click (hex of 16 random bytes): a retried request is stored once (issue 11).
function newEventId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('');
}

async function feedback(track, action, button, group) {
  const body = JSON.stringify({
    listener: listenerId(), track_id: track.id, action, event_id: newEventId(),
  });
  const post = () => fetch('/v1/feedback', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body,
  });
  try {
    let res;
    try {
      res = await post();
    } catch (err) {
      res = null;  // the network dropped: retry once with the same event id
    }
    if (!res || res.status === 503) {
      await new Promise((r) => setTimeout(r, 1000));
      res = await post();
    }
    if (!res.ok) throw new Error('HTTP ' + res.status);
    for (const b of group.querySelectorAll('button')) b.setAttribute('aria-pressed', 'false');
    button.setAttribute('aria-pressed', 'true');
    setStatus((action === 'like' ? 'Liked ' : 'Skipped ') + track.title + '.');
  } catch (err) {
    showError('Feedback failed: ' + err.message);
  }
}

$('capture').addEventListener('click', onCapture);
$('file').addEventListener('change', (e) => {
  const f = e.target.files[0];
  if (f) {
    cancelCountdown(true);
    send(f, f.name);
  }
  e.target.value = '';  // choosing the same file again is a new answer
});
$('live-toggle').addEventListener('click', toggleLive);
window.addEventListener('pagehide', () => { if (live.on) stopLive(); });
$('strategy').addEventListener('change', refreshTracks);
$('genre').addEventListener('change', refreshTracks);
document.addEventListener('keydown', (e) => {
  const typing = e.target.closest('input, select, textarea');
  if (!typing && !e.repeat && !e.ctrlKey && !e.metaKey && !e.altKey && (e.key === 'c' || e.key === 'C')) {
    e.preventDefault();
    onCapture();
  }
});
