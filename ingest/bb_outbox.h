/*
 * The worker's side of the mail outbox: sending what the module wrote.
 *
 * The module never talks to a mail server: it inserts a rendered mail into
 * the outbox table in the same transaction as the code the mail carries, and
 * workers send it from there.  A mail server outage therefore delays mail
 * but loses none, and never slows a request.
 *
 * Any number of workers may send at once.  A worker claims due mails with
 * one statement (FOR UPDATE SKIP LOCKED) that also pushes their
 * next_attempt_at ahead: that is a lease, so no other worker takes them while
 * they are being sent, and the mails of a worker that died mid-send are due
 * again when the lease ends.  A mail is sent twice only when a worker dies,
 * or loses PostgreSQL, between the server's acceptance and the row's update;
 * the Message-ID stays the same across attempts so that such a duplicate
 * can be recognised.
 *
 * Every time is the database's (now()), so workers on hosts whose clocks
 * disagree still agree on what is due.
 */

#ifndef BB_OUTBOX_H
#define BB_OUTBOX_H

#include "bb_daemon.h"

/*
 * Sends the outbox's due mails: claims up to a batch, sends each over SMTP
 * (d->smtp_url, from d->mail_from), then marks it sent or schedules the
 * next attempt: 5 s after the first failure, doubling each time, at most an
 * hour apart, with curl's message in last_error.  A recipient that is not a
 * plain address is never sent to: its row gets next_attempt_at 'infinity'.
 * Logs one line per mail sent or failed, naming the recipient but never the
 * body (it holds a code).  Beats into Redis while it sends and gives back
 * the rest of the batch when the daemon is stopping.
 *
 * Returns the number of mails sent, or -1 when PostgreSQL cannot be reached
 * (logged once per outage); curl_global_init must have been called.
 */
int bb_outbox_send_due(bb_daemon_t *d);

#endif /* BB_OUTBOX_H */
