// A plain-text table for people and the same rows as CSV for scripts.
#pragma once

#include <string>
#include <vector>

namespace tinyaccel::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  // Columns padded to their widest cell; numbers (cells starting with a digit, '-' or '+')
  // are right-aligned.
  std::string render() const;
  // RFC 4180: cells with a comma, quote or newline are quoted.
  std::string csv() const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace tinyaccel::cli
