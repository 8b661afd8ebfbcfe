// The try-it page: submit a photo with ?wait, show the top-k result as bars. No build step, no dependencies.
const $ = (id) => document.getElementById(id);
const status = (text, isError = false) => {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
};

const config = await fetch('/try/config.json').then((res) => res.json());
if (config.authMode !== 'local') $('token-row').hidden = false;
const token = () => (config.authMode === 'local' ? config.token : $('token').value.trim());

async function classify(file) {
  $('preview').src = await new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.readAsDataURL(file);
  });
  $('output').hidden = false;
  $('bars').replaceChildren();
  status('Classifying…');
  const form = new FormData();
  form.append('image', file);
  const headers = { Authorization: `Bearer ${token()}` };
  let res = await fetch('/predict?wait=20', { method: 'POST', body: form, headers });
  let body = await res.json();
  while (res.status === 202) {
    res = await fetch(`/result/${body.task_id}?wait=20`, { headers });
    body = await res.json();
  }
  if (!res.ok) return status(body.error?.message ?? `HTTP ${res.status}`, true);
  if (body.status === 'failed') return status(`Could not classify this image: ${body.error.message}`, true);
  const { result } = body;
  const name = (entry) => entry.display ?? entry.label;
  if (result.recognized === false) {
    // "No sign recognised — best guess: Stop, 31 %". The best guess is the likeliest label other than the
    // answer: top_k[0] under the floor, the runner-up when the none label itself came first.
    const guess = result.top_k.find((entry) => entry.label !== result.label);
    status(
      guess
        ? `${name(result)} — best guess: ${name(guess)}, ${Math.round(guess.confidence * 100)} %`
        : `${name(result)} — not recognised`,
    );
  } else status(`${name(result)} — ${(result.confidence * 100).toFixed(1)} %`);
  $('bars').replaceChildren(
    ...result.top_k.map((entry) => {
      const item = document.createElement('li');
      item.dataset.label = entry.label;
      // Two elements, not two text nodes: adjacent text would merge into one flex item, glued together.
      const name = document.createElement('div');
      name.className = 'name';
      const label = document.createElement('span');
      label.textContent = entry.display ?? entry.label;
      const percent = document.createElement('span');
      percent.textContent = `${(entry.confidence * 100).toFixed(1)} %`;
      name.append(label, percent);
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.width = `${Math.max(1, entry.confidence * 100)}%`;
      item.append(name, bar);
      return item;
    }),
  );
}

const run = (file) => file && classify(file).catch((error) => status(String(error), true));
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
