<?php
	// A Relais webhook receiver in PHP, in the spirit of HireHop's sample (read php://input,
	// json_decode, act on the event), with the Standard Webhooks signature check added.
	//
	//   WEBHOOK_SECRET='whsec_...' PORT=8080 sh -c 'php -S 127.0.0.1:$PORT receiver.php'
	//
	// Each verified event is written as one JSON line ({"id","type","timestamp","data"}) to the
	// server's stdout, or appended to the file RECEIVED_LOG names. Answers: 204 verified, 400
	// signature headers missing or malformed or a body that is not JSON, 401 signature mismatch
	// or a timestamp more than 5 minutes away from now.

	const TOLERANCE_SECONDS = 300;

	function refuse($status, $reason) {
		http_response_code($status);
		header('Content-Type: text/plain');
		error_log("rejected: $reason");
		echo "$reason\n";
		exit;
	}

	if ($_SERVER['REQUEST_METHOD'] !== 'POST') {
		refuse(405, 'POST only');
	}

	$secret = getenv('WEBHOOK_SECRET');
	if (!$secret) {
		refuse(500, 'WEBHOOK_SECRET is not set');
	}

	// Lire les données JSON: the body's bytes exactly as sent, which the signature covers.
	$postdata = file_get_contents('php://input');

	// The Standard Webhooks check: webhook-signature holds "v1,<base64 HMAC-SHA256 of
	// id.timestamp.body>", keyed by the base64-decoded part of the whsec_ secret; several
	// space-separated signatures during a secret rotation, one match is enough.
	$id = $_SERVER['HTTP_WEBHOOK_ID'] ?? '';
	$timestamp = $_SERVER['HTTP_WEBHOOK_TIMESTAMP'] ?? '';
	$signatures = $_SERVER['HTTP_WEBHOOK_SIGNATURE'] ?? '';
	if ($id === '' || $timestamp === '' || $signatures === '') {
		refuse(400, 'missing webhook-id, webhook-timestamp or webhook-signature');
	}
	if (!preg_match('/^[0-9]+$/', $timestamp)) {
		refuse(400, 'webhook-timestamp is not a number');
	}
	// Refuse old (and future) timestamps: a captured request cannot be replayed later.
	if (abs(time() - (int) $timestamp) > TOLERANCE_SECONDS) {
		refuse(401, 'webhook-timestamp is more than 5 minutes away from now');
	}
	$key = base64_decode(str_starts_with($secret, 'whsec_') ? substr($secret, 6) : $secret);
	$expected = base64_encode(hash_hmac('sha256', "$id.$timestamp.$postdata", $key, true));
	$verified = false;
	foreach (explode(' ', $signatures) as $candidate) {
		$parts = explode(',', $candidate, 2);
		// hash_equals: the time taken does not tell how much of the signature was right.
		if (count($parts) === 2 && $parts[0] === 'v1' && hash_equals($expected, $parts[1])) {
			$verified = true;
			break;
		}
	}
	if (!$verified) {
		refuse(401, 'no matching signature');
	}

	// Convertir des données JSON en objet
	$event = json_decode($postdata);
	if (!is_object($event)) {
		refuse(400, 'body is not a JSON object');
	}

	// webhook-id ($id) is the same on every retry of a delivery: record it where your own data
	// is (a unique key) and skip an event whose id is already there, e.g.
	//   INSERT INTO webhook_events (webhook_id) VALUES (?)  -- a duplicate key: already handled
	// php -S runs this script afresh for each request, so there is no memory to keep it in here.

	// Act on the event.
	switch ($event->type ?? null) {
		case 'invoice.paid':
			// e.g. mark $event->data->invoice paid in your own system
			break;
		default:
			// Unknown types are acknowledged too: answering non-2xx would only make Relais retry.
			break;
	}

	$line = json_encode(
		['id' => $id, 'type' => $event->type ?? null, 'timestamp' => $event->timestamp ?? null, 'data' => $event->data ?? null],
		JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES
	) . "\n";
	$log = getenv('RECEIVED_LOG');
	if ($log) {
		file_put_contents($log, $line, FILE_APPEND | LOCK_EX);
	} else {
		file_put_contents('php://stdout', $line);
	}
	error_log('verified ' . ($event->type ?? '?') . " $id");
	http_response_code(204);
?>
