// The content codings the test server answers with (gzip, br, zstd), each a whole body in one
// call: the bodies it encodes are small echoes.
#pragma once

#include <string>
#include <string_view>

namespace sluice::detail {

// `text` gzip-encoded (RFC 1952), as one member at zlib's default level.
std::string gzip(std::string_view text);

// `text` brotli-encoded (RFC 7932) at the encoder's default quality.
std::string brotli(std::string_view text);

// `text` as one zstd frame (RFC 8878) at the library's default level.
std::string zstd(std::string_view text);

}  // namespace sluice::detail
