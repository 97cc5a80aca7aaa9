// A table of strings rendered for people (aligned text), scripts (CSV) or documents (Markdown):
// what the writers of every result use, and what a front end may use for its own tables.
#pragma once

#include <string>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)
namespace tinyaccel {

class Table {
 public:
  using Rows = std::vector<std::vector<std::string>>;

  explicit Table(std::vector<std::string> headers, Rows rows = {})
      : headers_(std::move(headers)), rows_(std::move(rows)) {}
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  const Rows& rows() const { return rows_; }
  bool empty() const { return rows_.empty(); }

  // Columns padded to their widest cell, a dashed rule under the headers; numbers (cells
  // starting with a digit, '-' or '+') are right-aligned. Trailing spaces are trimmed.
  std::string render() const;
  // RFC 4180: cells with a comma, quote or newline are quoted.
  std::string csv() const;
  // GitHub-flavoured; a column whose non-empty cells are all numbers is right-aligned.
  std::string markdown() const;

 private:
  std::vector<std::string> headers_;
  Rows rows_;
};

}  // namespace tinyaccel
#pragma GCC visibility pop
