// SHA-256 of a byte stream fed in pieces (OpenSSL's EVP digest): a body hashed while it is
// written, or a file already on disk checked against a request's digest.
#pragma once

#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace sluice::detail {

class Sha256 {
 public:
  Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  ~Sha256();

  void update(std::string_view bytes);
  // The digest of everything fed so far, as 64 lower-case hex digits; ends the stream
  // (update() must not follow).
  std::string hex_digest();

 private:
  struct Free {
    void operator()(evp_md_ctx_st* context) const noexcept;
  };
  std::unique_ptr<evp_md_ctx_st, Free> context_;
};

// The SHA-256 of a whole file, or the strerror-style reason it could not be read.
std::expected<std::string, std::string> sha256_of_file(const std::filesystem::path& file);

}  // namespace sluice::detail
