#pragma once
// The S3 XML bodies the client reads (expat, only inside s3_xml.cc): error answers, the start of a
// multipart upload, ListObjectsV2 pages; and the one it writes (CompleteMultipartUpload). Parsing
// is by element name, namespaces ignored, entities decoded. Malformed XML yields empty fields
// (error bodies) or throws StorageError (server fault) where the answer is needed.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seed::storage {

struct S3ErrorBody {
  std::string code;  // e.g. NoSuchBucket; empty when the body is not an S3 error document
  std::string message;
};
S3ErrorBody ParseErrorBody(std::string_view xml);

// InitiateMultipartUploadResult's UploadId; throws when absent.
std::string ParseUploadId(std::string_view xml, const std::string& url);

struct ListedObject {
  std::string key;
  uint64_t size = 0;
  std::string etag;
  std::string last_modified;  // ISO 8601 as the server sent it
};
struct ListPage {
  std::vector<ListedObject> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_continuation_token;
};
// A ListBucketResult (ListObjectsV2); throws when it is not one.
ListPage ParseListPage(std::string_view xml, const std::string& url);

// The CompleteMultipartUpload request body for parts 1..N with their ETags (as the server sent
// them, quotes included).
std::string CompleteMultipartBody(const std::vector<std::string>& etags);

}  // namespace seed::storage
