// The multipart/form-data parser: parts, filenames, quoted parameters, and malformed bodies.
#include <gtest/gtest.h>

#include "server/api/multipart.h"

namespace hearth::server::api {
namespace {

TEST(Multipart, ParsesPartsAndFilenames) {
    auto boundary = multipart_boundary("multipart/form-data; boundary=\"abc 123\"");
    ASSERT_TRUE(boundary.ok());
    EXPECT_EQ(*boundary, "abc 123");
    const std::string body =
        "preamble\r\n--abc 123\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nm1\r\n"
        "--abc 123\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".wav\"\r\n"
        "Content-Type: audio/wav\r\n\r\nRIFF\r\n--abc\r\nxx\r\n--abc 123--\r\n";
    auto parts = parse_multipart(body, *boundary);
    ASSERT_TRUE(parts.ok()) << parts.error().message;
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ((*parts)[0].name, "model");
    EXPECT_EQ((*parts)[0].data, "m1");
    EXPECT_FALSE((*parts)[0].filename);
    EXPECT_EQ((*parts)[1].name, "file");
    EXPECT_EQ(*(*parts)[1].filename, "a \"b\".wav");
    EXPECT_EQ((*parts)[1].content_type, "audio/wav");
    EXPECT_EQ((*parts)[1].data, "RIFF\r\n--abc\r\nxx");
}

TEST(Multipart, RefusesMalformedBodies) {
    EXPECT_FALSE(multipart_boundary("application/json").ok());
    EXPECT_FALSE(multipart_boundary("multipart/form-data").ok());
    EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=\"open").ok());
    for (const std::string body : {"", "no boundary here", "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nunterminated",
                                   "--b\r\nno colon\r\n\r\nx\r\n--b--", "--b\r\nContent-Type: a\r\n\r\nx\r\n--b--",
                                   "--bX\r\n", "--b\r\nContent-Disposition: attachment; name=\"x\"\r\n\r\nx\r\n--b--"}) {
        auto parts = parse_multipart(body, "b");
        EXPECT_FALSE(parts.ok()) << body;
        if (!parts.ok()) EXPECT_FALSE(parts.error().message.empty());
    }
}

}  // namespace
}  // namespace hearth::server::api
