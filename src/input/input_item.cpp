// One URL of the input, as the reader hands it to an engine: where it came from and what
// to fetch, or why it cannot be fetched.
#include "input/input_item.hpp"

#include <utility>

namespace sluice::detail {

const Request SparseRequest::kNone{};

SparseRequest& SparseRequest::operator=(Request&& request) {
  // Compared whole, so that a field added to Request is kept without a change here.
  request.url.clear();
  request.url.shrink_to_fit();
  if (request == kNone) {
    fields_.reset();
    return *this;
  }
  fields_ = std::make_unique<Request>(std::move(request));
  return *this;
}

Request& SparseRequest::edit() {
  if (!fields_) fields_ = std::make_unique<Request>();
  return *fields_;
}

}  // namespace sluice::detail
