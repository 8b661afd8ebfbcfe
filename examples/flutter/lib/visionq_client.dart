// A small client for the visionq HTTP API (see GET /openapi.json): shrink a photo to the size GET /model asks
// for, upload it as multipart field `image`, get a task id (202), then long-poll GET /result/{task_id}?wait=N
// until the task ends.
import 'dart:async';
import 'dart:convert';
import 'dart:math';
import 'dart:typed_data';

import 'package:flutter_image_compress/flutter_image_compress.dart';
import 'package:http/http.dart' as http;

/// Returns a Firebase ID token. `FirebaseAuth.instance.currentUser!.getIdToken(forceRefresh)` refreshes an
/// expired token by itself; [forceRefresh] is true once after the API answered 401.
typedef TokenProvider = Future<String?> Function(bool forceRefresh);

/// Returns a Firebase App Check token, sent as `X-Firebase-AppCheck` where the API runs with
/// `APP_CHECK=optional` or `required`: `FirebaseAppCheck.instance.getToken()` (firebase_app_check) caches and
/// refreshes it by itself.
typedef AppCheckTokenProvider = Future<String?> Function();

/// The API refused a request (`status` and the `code` of its error body), or a task ended `failed`.
class VisionqException implements Exception {
  VisionqException(this.code, this.message, {this.status, this.retryAfter});

  /// `unauthorized`, `invalid_request`, `too_large`, `unsupported_type`, `invalid_image`, `conflict`,
  /// `invalid_callback`, `not_found`, `rate_limited`, `unavailable`, `internal`.
  final String code;
  final String message;
  final int? status;
  final Duration? retryAfter;

  @override
  String toString() => 'VisionqException($status $code: $message)';
}

class ScoredLabel {
  ScoredLabel(Map<String, dynamic> json)
      : label = json['label'] as String,
        confidence = (json['confidence'] as num).toDouble(),
        display = json['display'] as String?;

  final String label;
  final double confidence;

  /// In the language of `Accept-Language`, when the model has display names.
  final String? display;

  String get name => display ?? label;
}

/// A succeeded task: the answer, whether it was recognised, and the top-k list (best first).
class Prediction {
  Prediction(Map<String, dynamic> json)
      : taskId = json['task_id'] as String,
        best = ScoredLabel(json['result'] as Map<String, dynamic>),
        recognized = (json['result'] as Map<String, dynamic>)['recognized'] as bool? ?? true,
        topK = ((json['result'] as Map<String, dynamic>)['top_k'] as List)
            .map((entry) => ScoredLabel(entry as Map<String, dynamic>))
            .toList(),
        model = '${(json['model'] as Map<String, dynamic>)['name']} '
            'v${(json['model'] as Map<String, dynamic>)['version']}';

  final String taskId;

  /// The answer; when not [recognized], the model's "none" label (e.g. "No sign recognised") where it has one.
  final ScoredLabel best;

  /// False when the model's best guess was under its confidence floor or was its "none" label.
  final bool recognized;

  /// The model's best guess, whether or not it was recognised: `topK.first`.
  ScoredLabel get bestGuess => topK.first;
  final List<ScoredLabel> topK;
  final String model;
}

/// GET /model's `upload`: what to send so that the model loses nothing.
class UploadSize {
  UploadSize(Map<String, dynamic> json)
      : shortSide = json['short_side'] as int,
        quality = json['quality'] as int;

  /// Shrink the photo so that its short side is this many pixels (never enlarged).
  final int shortSide;

  /// JPEG quality, 1–100.
  final int quality;
}

class VisionqClient {
  VisionqClient({
    required this.baseUrl,
    required this.token,
    this.appCheckToken,
    this.language,
    this.pollWait = const Duration(seconds: 20),
    this.maxRetries = 2,
    this.shrink = true,
    http.Client? httpClient,
  }) : _http = httpClient ?? http.Client();

  /// E.g. `http://10.0.2.2:8080` from the Android emulator to `pnpm start` on the host.
  final Uri baseUrl;
  final TokenProvider token;
  final AppCheckTokenProvider? appCheckToken;
  final String? language;

  /// How long each long-poll asks the API to hold the request (at most 30 s).
  final Duration pollWait;

  /// Retries after 429 and 503, each after the answer's Retry-After.
  final int maxRetries;

  /// Shrink photos to GET /model's `upload` before sending them (a 12 MP photo of 3 MB becomes ~100 kB).
  final bool shrink;
  final http.Client _http;
  Future<UploadSize?>? _uploadSize;

  /// Uploads [bytes] and waits for the result. Throws [VisionqException] when the API refuses the upload or
  /// the task fails (e.g. `invalid_image` for a photo that cannot be decoded).
  Future<Prediction> classify(Uint8List bytes, {String filename = 'photo.jpg'}) async {
    if (shrink) bytes = await shrunk(bytes);
    // The same key on every retry: the API answers a retried upload with the task it already created.
    final random = Random.secure();
    final key = List.generate(16, (_) => random.nextInt(256).toRadixString(16).padLeft(2, '0')).join();
    final json = await submit(bytes, filename: filename, idempotencyKey: key);
    return prediction(json['task_id'] as String, json);
  }

  /// GET /model's `upload`, asked once; null from an API without GET /model (then photos go as they are).
  Future<UploadSize?> uploadSize() {
    return _uploadSize ??= _send(() => http.Request('GET', baseUrl.resolve('/model'))).then<UploadSize?>(
      (answer) => UploadSize(answer.$1['upload'] as Map<String, dynamic>),
      onError: (Object error) {
        if (error is! VisionqException || error.status != 404) _uploadSize = null; // ask again next time
        return null;
      },
    );
  }

  /// The photo as GET /model asks for it: the EXIF orientation applied (`autoCorrectionAngle`), scaled so
  /// that its short side is `shortSide` (flutter_image_compress keeps both sides at least `minWidth` ×
  /// `minHeight`), JPEG. The original when there is no recommendation, the photo cannot be decoded here (the
  /// API answers for it), or the result would not be smaller.
  Future<Uint8List> shrunk(Uint8List bytes) async {
    final size = await uploadSize();
    if (size == null) return bytes;
    try {
      final small = await FlutterImageCompress.compressWithList(
        bytes,
        minWidth: size.shortSide,
        minHeight: size.shortSide,
        quality: size.quality,
        format: CompressFormat.jpeg,
        autoCorrectionAngle: true,
      );
      return small.length < bytes.length ? small : bytes;
    } catch (_) {
      // Not a format this phone decodes (or a damaged file): the API says what is wrong with it.
      return bytes;
    }
  }

  /// POST /predict: 202 `{task_id, status: queued}` (or 200 with the ended task for a reused key). With
  /// [fcmToken] (`FirebaseMessaging.instance.getToken()`), the device gets a data message when the task ends;
  /// a server that does not send through FCM refuses it (`invalid_request`, 400).
  Future<Map<String, dynamic>> submit(Uint8List bytes,
      {String filename = 'photo.jpg', String? idempotencyKey, String? fcmToken}) async {
    final (json, _) = await _send(() {
      final request = http.MultipartRequest('POST', baseUrl.resolve('/predict'))
        ..files.add(http.MultipartFile.fromBytes('image', bytes, filename: filename));
      if (fcmToken != null) request.fields['fcm_token'] = fcmToken;
      if (idempotencyKey != null) request.headers['Idempotency-Key'] = idempotencyKey;
      return request;
    });
    return json;
  }

  /// The prediction of a task, long-polling until it ended: after [submit], or for the `task_id` of a data
  /// message. Starts from [json] when the task's state is already at hand.
  Future<Prediction> prediction(String taskId, [Map<String, dynamic>? json]) async {
    var state = json ?? (await _poll(taskId, Duration.zero)).$1;
    while (state['status'] == 'queued' || state['status'] == 'processing') {
      final (body, retryAfter) = await _poll(taskId, pollWait);
      state = body;
      // Still pending after a whole long-poll: the 202's Retry-After asks for a pause before the next one.
      if (retryAfter != null && (state['status'] == 'queued' || state['status'] == 'processing')) {
        await Future<void>.delayed(Duration(seconds: retryAfter));
      }
    }
    if (state['status'] == 'failed') {
      final error = state['error'] as Map<String, dynamic>;
      throw VisionqException(error['code'] as String, error['message'] as String, status: 200);
    }
    return Prediction(state);
  }

  /// GET /result/{task_id}?wait=N: 200 when the task ended, 202 while it is queued or processing.
  Future<Map<String, dynamic>> result(String taskId, {Duration wait = Duration.zero}) async {
    final (json, _) = await _poll(taskId, wait);
    return json;
  }

  /// DELETE /result/{task_id}: takes a task back (204). Not yet classified: it never is; in progress: its result
  /// is dropped; ended: its result is deleted at once. Afterwards the task is `not_found`, as is an unknown one.
  Future<void> cancel(String taskId) async {
    final path = '/result/${Uri.encodeComponent(taskId)}';
    await _send(() => http.Request('DELETE', baseUrl.resolve(path)));
  }

  Future<(Map<String, dynamic>, int?)> _poll(String taskId, Duration wait) {
    final path = '/result/${Uri.encodeComponent(taskId)}';
    final query = wait > Duration.zero ? {'wait': '${wait.inSeconds}'} : null;
    return _send(() => http.Request('GET', baseUrl.resolve(path).replace(queryParameters: query)));
  }

  /// One call: the JSON body of a 200 or 202 and its Retry-After; a refusal throws [VisionqException].
  Future<(Map<String, dynamic>, int?)> _send(http.BaseRequest Function() build) async {
    var refreshed = false;
    for (var attempt = 0;; attempt++) {
      final request = build();
      final idToken = await token(refreshed);
      if (idToken == null) throw VisionqException('unauthorized', 'not signed in');
      request.headers['Authorization'] = 'Bearer $idToken';
      final appCheck = await appCheckToken?.call();
      if (appCheck != null) request.headers['X-Firebase-AppCheck'] = appCheck;
      request.headers['Accept'] = 'application/json';
      if (language != null) request.headers['Accept-Language'] = language!;

      final response = await http.Response.fromStream(await _http.send(request));
      final retryAfter = int.tryParse(response.headers['retry-after'] ?? '');
      final json = _decode(response);
      switch (response.statusCode) {
        case 200 || 202:
          return (json, retryAfter);
        case 204:
          return (const <String, dynamic>{}, retryAfter);
        case 401 when !refreshed:
          refreshed = true; // an expired cached token: ask Firebase for a fresh one, once
          attempt--;
          continue;
        case 429 || 503 when attempt < maxRetries:
          // Nothing was accepted: safe to send the same upload again after Retry-After.
          await Future<void>.delayed(Duration(seconds: retryAfter ?? 1 << attempt));
          continue;
        default:
          final error = json['error'] as Map<String, dynamic>? ?? const {};
          throw VisionqException(
            error['code'] as String? ?? 'internal',
            error['message'] as String? ?? 'HTTP ${response.statusCode}',
            status: response.statusCode,
            retryAfter: retryAfter == null ? null : Duration(seconds: retryAfter),
          );
      }
    }
  }

  Map<String, dynamic> _decode(http.Response response) {
    try {
      return jsonDecode(utf8.decode(response.bodyBytes)) as Map<String, dynamic>;
    } on FormatException {
      return const {};
    }
  }

  void close() => _http.close();
}
