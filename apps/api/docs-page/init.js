// Renders /openapi.json with Redoc. A file of its own, not an inline script: the page's CSP allows no inline script.
/* global Redoc */
Redoc.init(
  '/openapi.json',
  { expandResponses: '200,202', hideDownloadButton: false, nativeScrollbars: true },
  document.getElementById('redoc'),
);
