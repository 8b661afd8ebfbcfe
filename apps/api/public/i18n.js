// The page's own words in each language it offers. The model's labels come translated by the API, in the
// language the page asks for (Accept-Language), so page text and results always agree.

export const LANGUAGES = { en: 'English', es: 'Español' };

const TEXT = {
  en: {
    title: 'visionq — try it',
    lead: 'Pick or drop a photo; the service classifies it and shows its best guesses.',
    language: 'Language',
    docs: 'API reference',
    token: 'Firebase ID token',
    tokenPlaceholder: 'paste an ID token',
    choose: 'Choose a photo',
    dropHint: 'or drop it here',
    uploading: 'Uploading…',
    uploadingShrunk: 'Uploading {sent} (shrunk from {original})…',
    sendOriginal: 'Send the photo at full size',
    uploadProgress: 'Upload progress',
    classifying: 'Classifying…',
    cancel: 'Cancel',
    cancelled: 'Cancelled.',
    preview: 'the uploaded photo',
    predictions: 'Best guesses',
    failed: 'Could not classify this image: {message}',
    network: 'The service could not be reached.',
    httpError: 'The service answered {status}.',
    bestGuess: '{answer} — best guess: {guess}, {percent}',
    notRecognised: '{answer} — not recognised',
  },
  es: {
    title: 'visionq — pruébalo',
    lead: 'Elige o suelta una foto; el servicio la clasifica y muestra sus mejores opciones.',
    language: 'Idioma',
    docs: 'Referencia de la API',
    token: 'Token de ID de Firebase',
    tokenPlaceholder: 'pega un token de ID',
    choose: 'Elige una foto',
    dropHint: 'o suéltala aquí',
    uploading: 'Subiendo…',
    uploadingShrunk: 'Subiendo {sent} (reducida de {original})…',
    sendOriginal: 'Enviar la foto a tamaño completo',
    uploadProgress: 'Progreso de la subida',
    classifying: 'Clasificando…',
    cancel: 'Cancelar',
    cancelled: 'Cancelado.',
    preview: 'la foto subida',
    predictions: 'Mejores opciones',
    failed: 'No se pudo clasificar esta imagen: {message}',
    network: 'No se pudo contactar con el servicio.',
    httpError: 'El servicio respondió {status}.',
    bestGuess: '{answer} — mejor opción: {guess}, {percent}',
    notRecognised: '{answer} — no reconocida',
  },
};

// The API's messages are English; these say the same for the codes a person can meet here.
const ERRORS_ES = {
  unauthorized: 'no autorizado',
  invalid_request: 'petición no válida',
  unsupported_type: 'no es una imagen JPEG, PNG, WebP, GIF, AVIF ni TIFF',
  too_large: 'la imagen es demasiado grande',
  invalid_image: 'la imagen no se puede leer',
  rate_limited: 'demasiadas fotos seguidas; espera un momento',
  unavailable: 'el servicio no está disponible ahora; prueba más tarde',
  not_found: 'la tarea ya no existe',
};

/** The first of the browser's languages that the page speaks, else English. */
export function pickLanguage(preferred) {
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (base in TEXT) return base;
  }
  return 'en';
}

export function t(lang, key, values = {}) {
  const text = TEXT[lang]?.[key] ?? TEXT.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

/** An API error for people: the message in the page's language where there is one, else the API's own. */
export function errorText(lang, error) {
  return (lang === 'es' && ERRORS_ES[error?.code]) || error?.message || '';
}

export function percent(lang, fraction) {
  return new Intl.NumberFormat(lang, {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(fraction);
}

/** Puts the page's words in `lang`: text from data-i18n, attributes from data-i18n-<attribute>. */
export function translatePage(lang) {
  document.documentElement.lang = lang;
  document.title = t(lang, 'title');
  for (const element of document.querySelectorAll('[data-i18n]')) {
    element.textContent = t(lang, element.dataset.i18n);
  }
  for (const attribute of ['placeholder', 'aria-label', 'alt']) {
    for (const element of document.querySelectorAll(`[data-i18n-${attribute}]`)) {
      element.setAttribute(attribute, t(lang, element.getAttribute(`data-i18n-${attribute}`)));
    }
  }
}

/** A file size for people: "96 kB", "4.2 MB". */
export function megabytes(lang, bytes) {
  const [value, unit] = bytes < 1e6 ? [bytes / 1e3, 'kilobyte'] : [bytes / 1e6, 'megabyte'];
  return new Intl.NumberFormat(lang, {
    style: 'unit',
    unit,
    unitDisplay: 'short',
    maximumFractionDigits: 1,
  }).format(value);
}
