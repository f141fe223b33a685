"""The mailer's Mongo collections (the only package that reads or writes them, with B's own
`mailing_requests` and `webhook_events`). Every document has one writer:

- `recipients`  one per (campaign, supporter), written by the consumer that owns the campaign's
  signup partitions (signup topics are co-partitioned); personal data (with the confirm token,
  to build a lost confirmation again), erased on request.
- `suppressions` `{scope}:{email hash}` (scope: a campaign id or "*"), from supporter.unsubscribed;
  insert-once, no address kept.
- `erasures`    `{email hash}` tombstones with the last erasure time: replayed signups older than
  it are dropped and nothing is sent to the address.
- `mailings`    one per mailing, inserted when its plan is fixed (the first insert wins: `plan`
  names the batches of that plan, the only ones ever queued or counted), then marked planned
  (`planned_at` and counts) by the consumer once the plan is whole.
- `mail_batches` one per SendGrid request (a newsletter batch, or one confirmation or welcome
  email); created by the consumer before it queues the task (what finds a lost task again), then
  written only by the task that sends it: progress is summed from them, never $inc'ed
  concurrently. Kept small: every task looks its batch up, and FerretDB reads the collection to
  find it.
- `mail_batch_members` the supporter keys of each newsletter batch, written once with the plan,
  read only to queue a batch (again).
- `mail_log`    per-(supporter, message) claims: `{message}:{supporter_key}`, inserted before a
  send; a duplicate key means someone already claimed that mail.
- `mail_sends`  one per send turn of a batch, `{batch id}:{turn}`, inserted right before its
  request leaves: a duplicate key means another run of the task (queued twice: the stalled-batch
  sweep, a redelivery) has that turn. Only an insert is atomic on FerretDB 1.24: its guarded
  updates read then write, so two runs could both move a batch from "queued" and both send.
- `mail_dead_letters` what was given up, with the reason.
- `anonymised_campaigns` `{campaign id}` markers written by mailer-retention: the campaign's
  personal data is gone, and the consumer drops its replayed signups and confirmations."""

RECIPIENTS = "recipients"
SUPPRESSIONS = "suppressions"
ERASURES = "erasures"
MAILINGS = "mailings"
MAILING_REQUESTS = "mailing_requests"  # written by the mailings API (POST), read for progress
MAIL_BATCHES = "mail_batches"
MAIL_BATCH_MEMBERS = "mail_batch_members"
MAIL_LOG = "mail_log"
MAIL_SENDS = "mail_sends"
DEAD_LETTERS = "mail_dead_letters"
ANONYMISED = "anonymised_campaigns"

# States of a mail batch. A request in flight is its batch's taken send turn (mail_sends), found
# again by a redelivered task: the outcome is unknown. "sending" is what workers before send turns
# marked instead; a batch found so is treated alike.
QUEUED, SENDING, RETRYING = "queued", "sending", "retrying"
SENT, FAILED, UNKNOWN = "sent", "failed", "unknown"
FINAL = frozenset({SENT, FAILED, UNKNOWN})
