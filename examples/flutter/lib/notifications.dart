// Told by Firebase Cloud Messaging when a task ends, instead of holding a long-poll open on a phone that may
// sleep: the API sends a data message with `task_id`, `status`, `label` and `label_name` (in the upload's
// Accept-Language) to the registration token that came with the photo (form field `fcm_token`). Only where the
// API runs with FCM_ENABLED=true and a real Firebase project: the emulators have no FCM.
import 'dart:async';

import 'package:firebase_core/firebase_core.dart';
import 'package:firebase_messaging/firebase_messaging.dart';
import 'package:flutter/foundation.dart';

/// What a data message says about the task that ended. The result itself is fetched by [taskId].
class TaskEnded {
  TaskEnded(Map<String, dynamic> data)
      : taskId = data['task_id'] as String,
        status = data['status'] as String,
        label = data['label'] as String?,
        labelName = data['label_name'] as String?;

  final String taskId;

  /// `succeeded` or `failed`.
  final String status;

  /// The answer of a task that succeeded, and its display name in the upload's language.
  final String? label;
  final String? labelName;

  static TaskEnded? from(RemoteMessage message) =>
      message.data['task_id'] is String ? TaskEnded(message.data) : null;
}

/// Runs in its own isolate while the app is in the background or terminated: it must be a top-level function,
/// registered with [FirebaseMessaging.onBackgroundMessage] before `runApp`.
@pragma('vm:entry-point')
Future<void> onBackgroundTaskEnded(RemoteMessage message) async {
  await Firebase.initializeApp(); // a fresh isolate: firebase_options.dart's options in a configured app
  final ended = TaskEnded.from(message);
  if (ended == null) return;
  // Keep it short (the OS gives a few seconds): remember the task id, or show a local notification; the app
  // fetches the result with VisionqClient.prediction(taskId) when it is opened.
  debugPrint('visionq task ${ended.taskId} ended ${ended.status}: ${ended.labelName ?? ended.label ?? ''}');
}

class TaskNotifications {
  TaskNotifications() {
    // While the app is in the foreground, data messages arrive here (and never as a system notification).
    _subscription = FirebaseMessaging.onMessage.listen((message) {
      final ended = TaskEnded.from(message);
      if (ended == null) return;
      _arrived[ended.taskId] = ended;
      _ended.add(ended);
    });
  }

  final _ended = StreamController<TaskEnded>.broadcast();
  // A quick task's message may come before its upload's answer: kept until asked for.
  final _arrived = <String, TaskEnded>{};
  late final StreamSubscription<RemoteMessage> _subscription;

  /// Call once, before `runApp`.
  static void registerBackgroundHandler() => FirebaseMessaging.onBackgroundMessage(onBackgroundTaskEnded);

  /// Asks the user once (iOS, and Android 13+), then returns this device's registration token to send with a
  /// photo; null when notifications are not allowed (then long-poll instead).
  Future<String?> deviceToken() async {
    final settings = await FirebaseMessaging.instance.requestPermission();
    if (settings.authorizationStatus == AuthorizationStatus.denied) return null;
    return FirebaseMessaging.instance.getToken();
  }

  /// Completes when the data message for [taskId] arrives in the foreground.
  Future<TaskEnded> ended(String taskId) async =>
      _arrived.remove(taskId) ?? await _ended.stream.firstWhere((ended) => ended.taskId == taskId);

  void close() {
    _subscription.cancel();
    _ended.close();
  }
}
