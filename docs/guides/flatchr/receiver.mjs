// A receiver for Flatchr webhooks: the body is {data, event, company_id}; the candidate's
// application is data.applicant (new_applicant, drag_applicant, new_message).
//
//   PORT=3000 node receiver.mjs
//
// RECEIVED_LOG, when set, names a file where each request is written down as one JSON line
// (the guide's test reads it).
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const log = process.env.RECEIVED_LOG;

createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end('not JSON');
      return;
    }
    const { data, event, company_id } = body;
    const applicant = data.applicant; // absent from new_vacancy
    const candidate = data.candidate;
    // The integration's own work goes here, e.g. create the hired candidate in the HRIS.
    if (log) {
      appendFileSync(log, `${JSON.stringify({
        event, company_id, keys: Object.keys(body), path: req.url,
        applicant: applicant ? { id: applicant.id, vacancy_id: applicant.vacancy_id, column_id: applicant.column_id } : null,
        candidate: candidate ? `${candidate.firstname} ${candidate.lastname}` : null,
        vacancy: data.vacancy?.title ?? null,
      })}\n`);
    }
    res.writeHead(200).end('ok');
  });
}).listen(port, '127.0.0.1');
