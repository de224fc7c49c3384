<?php
	// Lire les données JSON
	$postdata = file_get_contents('php://input');
	// Convertir des données JSON en objet
	$data_str = json_decode($postdata);

	// Added by the Relais guide (not in HireHop's sample): write down what was decoded, one
	// JSON line per request, in the file RECEIVED_LOG names, so that the guide's test can read it.
	$log = getenv('RECEIVED_LOG');
	if ($log) {
		file_put_contents($log, json_encode($data_str, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES) . "\n", FILE_APPEND | LOCK_EX);
	}
?>
