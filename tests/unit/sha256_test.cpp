// Sha256: the digests of FIPS 180-2's test vectors, fed whole and in pieces, and of a file.
#include "sha256.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace sluice::detail {
namespace {

TEST(Sha256Test, TheEmptyStreamHasTheKnownDigest) {
  EXPECT_EQ(Sha256().hex_digest(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, PiecesGiveTheDigestOfTheWhole) {
  Sha256 whole;
  whole.update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
  Sha256 pieces;
  pieces.update("abcdbcdecdefdefgefgh");
  pieces.update("");
  pieces.update("fghighijhijkijkljklmklmnlmnomnopnopq");
  const std::string expected = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
  EXPECT_EQ(whole.hex_digest(), expected);
  EXPECT_EQ(pieces.hex_digest(), expected);
}

TEST(Sha256Test, AFileIsHashedWholeAndAMissingOneIsAnError) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "sha256_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "abc", std::ios::binary) << "abc";
  EXPECT_EQ(sha256_of_file(dir / "abc").value(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_FALSE(sha256_of_file(dir / "missing").has_value());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::detail
