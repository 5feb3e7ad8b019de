// A libcurl URL handle (CURLU) per thread, for parsing URLs without creating one per URL.
#pragma once

#include <curl/curl.h>

namespace sluice::detail {

// This thread's handle, created on first use and freed when the thread ends: a 10-million-line
// input, each line checked and each transfer keyed by host, would otherwise create and destroy
// one per URL. A CURLU is not safe to share, so a handle per thread needs no locking. Each
// use sets the URL it parses.
CURLU* thread_url_handle();

}  // namespace sluice::detail
