// Write-behind for listener plays (issue 12): POST /recommend records the tracks it answered
// with after the answer, on one background thread, so a request neither waits for the
// database nor queues on its lock. Nothing is lost or reordered:
//   - plays are written in the order they were recorded, each call in one transaction;
//   - RecentPlays of a listener waits until that listener's queued plays are written, so a
//     listener's next request sees its previous answer's plays (in practice they are long
//     written: a write takes ~0.3 ms, an answer ~5 ms);
//   - with max_pending calls queued, RecordPlays waits for room (backpressure, no drop);
//   - Flush() and the destructor write everything still queued.
// Feedback (RecordFeedback) and reads go straight to the wrapped store: acknowledged feedback
// is durable before its 2xx. A failed background write is reported to on_error (the server
// logs it) instead of to the request, which has been answered by then.
// Thread-safety: as HistoryStore (all methods from any thread).
#pragma once

#include <functional>
#include <memory>

#include "moodtune/music/history_store.h"

namespace moodtune::music {

struct WriteBehindOptions {
  int max_pending = 1024;  // RecordPlays calls queued before callers wait for room
  // Called on the writer thread for each failed write (nullptr: ignored).
  std::function<void(const Status&)> on_error;
};

// Wraps `inner` (which must not be null). With no thread to be had, writes go through
// synchronously.
std::unique_ptr<HistoryStore> NewWriteBehindHistoryStore(std::unique_ptr<HistoryStore> inner,
                                                         WriteBehindOptions o = {});

// Writes every play queued so far (a no-op for other stores). For tests and shutdown.
void FlushWriteBehind(HistoryStore& store);

}  // namespace moodtune::music
