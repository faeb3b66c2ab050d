// moodtune web page: camera capture or file upload -> POST /v1/recommendations -> annotated
// image, 7 emotion bars, five tracks with links, previews and like/skip feedback.
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

function setStatus(text) { $('status').textContent = text; }
function showError(text) {
  const e = $('error');
  e.textContent = text;
  e.hidden = !text;
}

async function startCamera() {
  if (stream) return true;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    $('camera-note').textContent = 'No camera access here; upload a photo instead.';
    return false;
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' }, audio: false });
  } catch (err) {
    $('camera-note').textContent = 'Camera unavailable (' + err.name + '); upload a photo instead.';
    return false;
  }
  const video = $('video');
  video.srcObject = stream;
  await video.play();
  if (video.readyState < 2 || !video.videoWidth) {
    await new Promise((resolve) => video.addEventListener('loadeddata', resolve, { once: true }));
  }
  $('camera-note').textContent = 'Camera on. Press Capture (or C) to take a photo.';
  return true;
}

function captureFrame() {
  const video = $('video');
  const canvas = $('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
}

async function send(blob, filename) {
  showError('');
  setStatus('Reading your mood…');
  const form = new FormData();
  form.append('image', blob, filename);
  form.append('n', '5');
  form.append('strategy', $('strategy').value);
  if ($('genre').value) form.append('genre', $('genre').value);
  form.append('listener', listenerId());
  let res, body;
  try {
    res = await fetch('/v1/recommendations', { method: 'POST', body: form });
    body = await res.json();
  } catch (err) {
    setStatus('');
    showError('The service did not answer: ' + err.message);
    return;
  }
  if (!res.ok) {
    setStatus('');
    const msg = body && body.error ? body.error.message : 'HTTP ' + res.status;
    showError(body && body.error && body.error.code === 'no_face'
      ? 'No face found. Face the camera in good light and try again.' : msg);
    return;
  }
  render(body);
  setStatus('Done: ' + body.emotion + '.');
}

function render(r) {
  $('emotion').textContent = r.emotion;
  $('confidence').textContent = '(' + Math.round(r.confidence * 100) + '%)';
  $('annotated').src = r.annotated_image;

  const bars = $('bars');
  bars.replaceChildren();
  for (const name of EMOTIONS) {
    const p = r.probabilities[name] || 0;
    const li = document.createElement('li');
    li.className = 'bar' + (name === r.emotion ? ' top' : '');
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

  const list = $('tracks');
  list.replaceChildren();
  for (const t of r.recommendations) list.append(trackItem(t));
  $('result').hidden = false;
  $('result').focus();
}

function trackItem(t) {
  const li = document.createElement('li');
  li.className = 'track';
  li.dataset.trackId = t.id;
  const title = document.createElement('a');
  title.className = 'track-title';
  title.href = t.url;
  title.target = '_blank';
  title.rel = 'noopener noreferrer';
  title.textContent = t.title;
  const who = document.createElement('span');
  who.className = 'track-artists';
  who.textContent = t.artists.join(', ') + (t.genre ? ' · ' + t.genre : '');
  const links = document.createElement('span');
  links.className = 'track-links';
  const deezer = document.createElement('a');
  deezer.href = t.deezer_url;
  deezer.target = '_blank';
  deezer.rel = 'noopener noreferrer';
  deezer.textContent = 'Deezer';
  links.append(deezer);
  li.append(title, who, links);
  if (t.preview_url) {
    const audio = document.createElement('audio');
    audio.controls = true;
    audio.preload = 'none';
    audio.src = t.preview_url;
    audio.setAttribute('aria-label', 'Preview of ' + t.title);
    li.append(audio);
  }
  const actions = document.createElement('span');
  actions.className = 'track-actions';
  for (const action of ['like', 'skip']) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = action;
    b.textContent = action === 'like' ? '♥ Like' : '⏭ Skip';
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

async function onCapture() {
  const button = $('capture');
  button.disabled = true;
  try {
    if (!(await startCamera())) return;
    const blob = await captureFrame();
    await send(blob, 'camera.jpg');
  } finally {
    button.disabled = false;
  }
}

$('capture').addEventListener('click', onCapture);
$('file').addEventListener('change', (e) => {
  const f = e.target.files[0];
  if (f) send(f, f.name);
});
document.addEventListener('keydown', (e) => {
  const typing = e.target.closest('input, select, textarea');
  if (!typing && !e.ctrlKey && !e.metaKey && !e.altKey && (e.key === 'c' || e.key === 'C')) {
    e.preventDefault();
    onCapture();
  }
});
