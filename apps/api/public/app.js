// The try-it page: upload a photo (with progress, cancellable), wait for its result, show the top-k as bars.
// No build step, no dependencies. The status line is a live region: every outcome is announced.
import { LANGUAGES, errorText, percent, pickLanguage, t, translatePage } from './i18n.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let lang = pickLanguage([params.get('lang') ?? '', ...navigator.languages].filter(Boolean));
/** The classification in progress: its AbortController. */
let current = null;
/** The last result shown, to show it again in another language. */
let shown = null;

const select = $('lang');
for (const [code, name] of Object.entries(LANGUAGES)) {
  const option = new Option(name, code, false, code === lang);
  option.lang = code;
  select.append(option);
}
translatePage(lang);

const config = await fetch('/try/config.json').then((res) => res.json());
if (config.authMode !== 'local') $('token-row').hidden = false;
const token = () => (config.authMode === 'local' ? config.token : $('token').value.trim());
const headers = () => ({ Authorization: `Bearer ${token()}`, 'Accept-Language': lang });

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
}

function clearOutput() {
  shown = null;
  $('output').hidden = true;
  $('preview').removeAttribute('src');
  $('bars').replaceChildren();
}

const fail = (text) => {
  clearOutput();
  setStatus(text, true);
};

const readAsDataUrl = (file) =>
  new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });

// XMLHttpRequest rather than fetch: only it reports upload progress.
function upload(file, signal) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/predict?wait=20');
    for (const [name, value] of Object.entries(headers())) xhr.setRequestHeader(name, value);
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) $('progress').value = event.loaded / event.total;
    });
    xhr.upload.addEventListener('load', () => {
      $('progress').value = 1;
      setStatus(t(lang, 'classifying'));
    });
    xhr.addEventListener('load', () => resolve({ status: xhr.status, body: xhr.response }));
    xhr.addEventListener('error', () => reject(new Error(t(lang, 'network'))));
    xhr.addEventListener('abort', () => reject(signal.reason));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    const form = new FormData();
    form.append('image', file);
    xhr.send(form);
  });
}

function render(body) {
  shown = body;
  const { result } = body;
  const name = (entry) => entry.display ?? entry.label;
  if (result.recognized === false) {
    // The best guess is the likeliest label other than the answer: top_k[0] under the floor, the runner-up
    // when the "none" label itself came first.
    const guess = result.top_k.find((entry) => entry.label !== result.label);
    setStatus(
      guess
        ? t(lang, 'bestGuess', {
            answer: name(result),
            guess: name(guess),
            percent: percent(lang, guess.confidence),
          })
        : t(lang, 'notRecognised', { answer: name(result) }),
    );
  } else setStatus(`${name(result)} — ${percent(lang, result.confidence)}`);
  $('bars').replaceChildren(
    ...result.top_k.map((entry) => {
      const item = document.createElement('li');
      item.dataset.label = entry.label;
      // Two elements, not two text nodes: adjacent text would merge into one flex item, glued together.
      const line = document.createElement('div');
      line.className = 'name';
      const label = document.createElement('span');
      label.textContent = name(entry);
      const value = document.createElement('span');
      value.textContent = percent(lang, entry.confidence);
      line.append(label, value);
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.width = `${Math.max(1, entry.confidence * 100)}%`;
      item.append(line, bar);
      return item;
    }),
  );
}

async function classify(file) {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  clearOutput();
  $('progress').value = 0;
  $('progress-row').hidden = false;
  setStatus(t(lang, 'uploading'));
  try {
    $('preview').src = await readAsDataUrl(file);
    $('output').hidden = false;
    let { status, body } = await upload(file, controller.signal);
    while (status === 202) {
      const res = await fetch(`/result/${body.task_id}?wait=20`, {
        headers: headers(),
        signal: controller.signal,
      });
      status = res.status;
      body = await res.json().catch(() => null);
    }
    if (status !== 200) return fail(errorText(lang, body?.error) || t(lang, 'httpError', { status }));
    if (body.status === 'failed') return fail(t(lang, 'failed', { message: errorText(lang, body.error) }));
    render(body);
  } catch (error) {
    if (current !== controller) return; // replaced by a newer photo, which now owns the page
    if (controller.signal.aborted) {
      clearOutput();
      setStatus(t(lang, 'cancelled'));
    } else fail(error.message);
  } finally {
    if (current === controller) {
      current = null;
      const hadFocus = document.activeElement === $('cancel');
      $('progress-row').hidden = true;
      if (hadFocus) $('file').focus();
    }
  }
}

$('cancel').addEventListener('click', () => current?.abort());

select.addEventListener('change', async () => {
  lang = select.value;
  translatePage(lang);
  params.set('lang', lang);
  history.replaceState(null, '', `?${params}`);
  if (!shown) return;
  // The same result again, with the model's names in the new language.
  const res = await fetch(`/result/${shown.task_id}`, { headers: headers() });
  if (res.status === 200) render(await res.json());
});

const run = (file) => file && classify(file).catch((error) => fail(String(error)));
$('file').addEventListener('change', (event) => {
  run(event.target.files[0]);
  // Otherwise picking the same photo again (after a token fix, say) fires no change event.
  event.target.value = '';
});
const drop = $('drop');
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  run(event.dataTransfer.files[0]);
});
// Enabled only now: a photo picked while the configuration was still loading would have found no listener.
$('file').disabled = false;
