#include "codegen/comments.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace forkrpc::plugin {
namespace {

using testing::ElementsAre;
using testing::IsEmpty;

TEST(CommentLinesTest, NoCommentGivesNoLines) { EXPECT_THAT(CommentLines(""), IsEmpty()); }

TEST(CommentLinesTest, EachLineBecomesALineComment) {
  EXPECT_THAT(CommentLines(" Adds two numbers.\n Returns their sum.\n"),
              ElementsAre("// Adds two numbers.", "// Returns their sum."));
}

TEST(CommentLinesTest, KeepsInnerBlankLinesAndDropsOuterOnes) {
  EXPECT_THAT(CommentLines("\n First.\n\n Second.\n\n"),
              ElementsAre("// First.", "//", "// Second."));
}

TEST(CommentLinesTest, AddsTheSpaceAnUnspacedCommentLacks) {
  EXPECT_THAT(CommentLines("Tight.\n   Indented.\n"), ElementsAre("// Tight.", "//   Indented."));
}

// A backslash at the end of a // comment would make the next line of code part of it.
TEST(CommentLinesTest, DropsTrailingBackslashes) {
  EXPECT_THAT(CommentLines(" C:\\dir\\ \n Next.\n"), ElementsAre("// C:\\dir", "// Next."));
}

// GCC ends a line at a lone carriage return; the rest would be compiled as code.
TEST(CommentLinesTest, TurnsControlCharactersIntoSpaces) {
  EXPECT_THAT(CommentLines(" one\rint x;\n"), ElementsAre("// one int x;"));
}

}  // namespace
}  // namespace forkrpc::plugin
