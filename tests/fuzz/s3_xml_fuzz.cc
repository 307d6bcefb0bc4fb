// The S3 XML answers the object-storage client reads, as any server (or a proxy in front of one)
// may send them: error bodies, InitiateMultipartUploadResult, ListObjectsV2 pages (and the error
// body S3 can send with a 200 to CompleteMultipartUpload, which is read as an error body). A
// StorageError (server fault) is an answer; a crash, hang, another exception or a sanitizer
// report is a bug. Also: the CompleteMultipartUpload body written for ETags made of the input's
// printable lines is well-formed XML that reads back to the same ETags.
#include <expat.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/s3_xml.h"
#include "storage/storage_error.h"

namespace {

using seed::storage::StorageError;

const std::string kUrl = "s3://fuzz-bucket/some/key";

void CheckAnswerError(const StorageError& error) {
  if (error.bad_input()) __builtin_trap();  // a bad answer is the server's fault, not the user's
  if (std::string_view(error.what()).find("s3://fuzz-bucket/some/key") == std::string_view::npos)
    __builtin_trap();  // the message names what was asked
}

// The texts of every ETag element of `xml`, or false when it is not well-formed.
bool ReadETags(const std::string& xml, std::vector<std::string>* etags) {
  struct State {
    std::vector<std::string>* etags;
    std::string text;
    bool in_etag = false;
  } state{etags};
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate(nullptr),
                                                                      &XML_ParserFree);
  if (!parser) __builtin_trap();
  XML_SetUserData(parser.get(), &state);
  XML_SetElementHandler(
      parser.get(),
      [](void* data, const XML_Char* name, const XML_Char**) {
        auto* s = static_cast<State*>(data);
        s->in_etag = std::string_view(name) == "ETag";
        s->text.clear();
      },
      [](void* data, const XML_Char* name) {
        auto* s = static_cast<State*>(data);
        if (std::string_view(name) == "ETag") s->etags->push_back(s->text);
        s->in_etag = false;
      });
  XML_SetCharacterDataHandler(parser.get(), [](void* data, const XML_Char* text, int length) {
    auto* s = static_cast<State*>(data);
    if (s->in_etag) s->text.append(text, static_cast<size_t>(length));
  });
  return XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE) == XML_STATUS_OK;
}

// ETags as a server's headers carry them: printable ASCII (a quoted hex digest, usually).
void CheckCompleteBody(std::string_view input) {
  std::vector<std::string> etags(1);
  for (const char c : input) {
    if (c == '\n') {
      if (etags.size() == 64) break;
      etags.emplace_back();
    } else if (c >= 0x20 && c <= 0x7e) {
      etags.back() += c;
    }
  }
  std::vector<std::string> read;
  if (!ReadETags(seed::storage::CompleteMultipartBody(etags), &read) || read != etags) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);

  // Never throws: a body that is not an S3 error document has an empty code.
  (void)seed::storage::ParseErrorBody(xml);

  try {
    if (seed::storage::ParseUploadId(xml, kUrl).empty()) __builtin_trap();  // an id is never empty
  } catch (const StorageError& e) {
    CheckAnswerError(e);
  }

  try {
    const seed::storage::ListPage page = seed::storage::ParseListPage(xml, kUrl);
    // A truncated page always says where to continue, or the listing would stop early or loop.
    if (page.truncated && page.next_continuation_token.empty()) __builtin_trap();
  } catch (const StorageError& e) {
    CheckAnswerError(e);
  }

  CheckCompleteBody(xml);
  return 0;
}
