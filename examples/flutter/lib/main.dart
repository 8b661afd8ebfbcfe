// A mini app: sign in with Firebase Auth (the Auth Emulator in development), pick a photo, see the top-k bars.
import 'dart:typed_data';

import 'package:firebase_app_check/firebase_app_check.dart';
import 'package:firebase_auth/firebase_auth.dart';
import 'package:firebase_core/firebase_core.dart';
import 'package:flutter/material.dart';
import 'package:image_picker/image_picker.dart';

import 'notifications.dart';
import 'visionq_client.dart';

/// `flutter run --dart-define=VISIONQ_URL=http://10.0.2.2:8080 --dart-define=AUTH_EMULATOR=10.0.2.2:9099`
const apiUrl = String.fromEnvironment('VISIONQ_URL', defaultValue: 'http://10.0.2.2:8080');
const authEmulator = String.fromEnvironment('AUTH_EMULATOR', defaultValue: '10.0.2.2:9099');

Future<void> main() async {
  WidgetsFlutterBinding.ensureInitialized();
  // `demo-` projects exist only in the emulators: no Firebase account, and the API's local mode expects
  // exactly this project id (FIREBASE_PROJECT_ID, default demo-visionq). For a real project, use the
  // `firebase_options.dart` that `flutterfire configure` writes, and leave AUTH_EMULATOR empty.
  await Firebase.initializeApp(
    options: const FirebaseOptions(
      apiKey: 'demo-api-key',
      appId: '1:1234567890:android:0000000000000000',
      messagingSenderId: '1234567890',
      projectId: 'demo-visionq',
    ),
  );
  if (authEmulator.isNotEmpty) {
    final [host, port] = authEmulator.split(':');
    await FirebaseAuth.instance.useAuthEmulator(host, int.parse(port));
  } else {
    // App Check attests this is a genuine copy of the app (Play Integrity, App Attest), for an API started with
    // APP_CHECK=optional or required. The emulators have no App Check, and local mode does not ask for it.
    await FirebaseAppCheck.instance.activate(
      androidProvider: AndroidProvider.playIntegrity,
      appleProvider: AppleProvider.appAttest,
    );
    // Told by FCM when a task ends, in the background too (an API started with FCM_ENABLED=true).
    TaskNotifications.registerBackgroundHandler();
  }
  runApp(const MaterialApp(title: 'visionq', home: ClassifyPage()));
}

class ClassifyPage extends StatefulWidget {
  const ClassifyPage({super.key});

  @override
  State<ClassifyPage> createState() => _ClassifyPageState();
}

class _ClassifyPageState extends State<ClassifyPage> {
  final _client = VisionqClient(
    baseUrl: Uri.parse(apiUrl),
    // Called before every request: getIdToken returns the cached token, or a fresh one once it has expired.
    token: (forceRefresh) async => FirebaseAuth.instance.currentUser?.getIdToken(forceRefresh),
    appCheckToken: authEmulator.isEmpty ? () => FirebaseAppCheck.instance.getToken() : null,
    language: WidgetsBinding.instance.platformDispatcher.locale.languageCode,
  );
  // FCM needs a real Firebase project: against the emulators, the client long-polls.
  final _notifications = authEmulator.isEmpty ? TaskNotifications() : null;
  Uint8List? _photo;
  Prediction? _prediction;
  String? _message;
  bool _busy = false;

  Future<void> _pickAndClassify(ImageSource source) async {
    final picked = await ImagePicker().pickImage(source: source, maxWidth: 1600);
    if (picked == null) return;
    final bytes = await picked.readAsBytes();
    setState(() {
      _photo = bytes;
      _prediction = null;
      _message = 'Classifying…';
      _busy = true;
    });
    try {
      if (FirebaseAuth.instance.currentUser == null) await FirebaseAuth.instance.signInAnonymously();
      final fcmToken = await _notifications?.deviceToken();
      final Prediction prediction;
      if (fcmToken == null) {
        prediction = await _client.classify(bytes, filename: picked.name);
      } else {
        // The photo goes with this device's token; the data message says when the task ended, and the result
        // is fetched by its task_id. A long-poll after a minute covers a message that is late or lost.
        final task = await _client.submit(bytes, filename: picked.name, fcmToken: fcmToken);
        final taskId = task['task_id'] as String;
        await Future.any([_notifications!.ended(taskId), Future<void>.delayed(const Duration(minutes: 1))]);
        prediction = await _client.prediction(taskId);
      }
      setState(() {
        _prediction = prediction;
        _message = null;
      });
    } on VisionqException catch (error) {
      // The API's own message: "not a JPEG, PNG, …", "the image is larger than …", "too many requests"…
      setState(() => _message = error.message);
    } catch (error) {
      setState(() => _message = 'Could not reach the service: $error');
    } finally {
      if (mounted) setState(() => _busy = false);
    }
  }

  @override
  void dispose() {
    _notifications?.close();
    _client.close();
    super.dispose();
  }

  @override
  Widget build(BuildContext context) {
    final prediction = _prediction;
    return Scaffold(
      appBar: AppBar(title: const Text('visionq')),
      body: ListView(
        padding: const EdgeInsets.all(16),
        children: [
          if (_photo != null) Image.memory(_photo!, height: 240, fit: BoxFit.contain),
          if (_message != null) Padding(padding: const EdgeInsets.all(8), child: Text(_message!)),
          if (prediction != null) ...[
            // "Stop — 97.3 %", or "No sign recognised — best guess: Stop, 31.0 %".
            Text(
                prediction.recognized
                    ? '${prediction.best.name} — ${(prediction.best.confidence * 100).toStringAsFixed(1)} %'
                    : '${prediction.best.name} — best guess: ${prediction.bestGuess.name}, '
                        '${(prediction.bestGuess.confidence * 100).toStringAsFixed(1)} %',
                style: Theme.of(context).textTheme.titleLarge),
            for (final entry in prediction.topK)
              ListTile(
                title: Text(entry.name),
                subtitle: LinearProgressIndicator(value: entry.confidence),
                trailing: Text('${(entry.confidence * 100).toStringAsFixed(1)} %'),
              ),
            Text('model ${prediction.model}', style: Theme.of(context).textTheme.bodySmall),
          ],
        ],
      ),
      floatingActionButton: Row(mainAxisSize: MainAxisSize.min, children: [
        FloatingActionButton(
          heroTag: 'camera',
          onPressed: _busy ? null : () => _pickAndClassify(ImageSource.camera),
          child: const Icon(Icons.photo_camera),
        ),
        const SizedBox(width: 12),
        FloatingActionButton(
          heroTag: 'gallery',
          onPressed: _busy ? null : () => _pickAndClassify(ImageSource.gallery),
          child: const Icon(Icons.photo_library),
        ),
      ]),
    );
  }
}
