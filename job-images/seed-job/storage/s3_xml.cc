#include "storage/s3_xml.h"

#include <expat.h>

#include <cstdlib>
#include <functional>
#include <memory>

#include "storage/object_url.h"
#include "storage/storage_error.h"

namespace seed::storage {
namespace {

// Element events with the path of local names (namespace prefixes dropped) from the root.
struct XmlWalk {
  std::vector<std::string> path;
  std::string text;
  std::function<void(const std::vector<std::string>& path, const std::string& text)> on_end;
  std::string root;
};

std::string LocalName(const XML_Char* name) {
  std::string_view view(name);
  const size_t sep = view.rfind('|');  // namespace separator set below
  return std::string(sep == std::string_view::npos ? view : view.substr(sep + 1));
}

// Returns false when the document is not well-formed.
bool Walk(std::string_view xml, XmlWalk& walk) {
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreateNS(nullptr, '|'),
                                                                      &XML_ParserFree);
  if (!parser) return false;
  XML_SetUserData(parser.get(), &walk);
  XML_SetElementHandler(
      parser.get(),
      [](void* data, const XML_Char* name, const XML_Char**) {
        auto* w = static_cast<XmlWalk*>(data);
        w->path.push_back(LocalName(name));
        if (w->root.empty()) w->root = w->path.back();
        w->text.clear();
      },
      [](void* data, const XML_Char*) {
        auto* w = static_cast<XmlWalk*>(data);
        if (w->on_end) w->on_end(w->path, w->text);
        w->path.pop_back();
        w->text.clear();
      });
  XML_SetCharacterDataHandler(parser.get(), [](void* data, const XML_Char* s, int len) {
    static_cast<XmlWalk*>(data)->text.append(s, static_cast<size_t>(len));
  });
  return XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE) == XML_STATUS_OK;
}

StorageError Malformed(const std::string& url, const std::string& what) {
  return StorageError(StorageError::Kind::kServerFault, RedactUrl(url) + ": the server's answer is not " +
                                                            what + " (is the endpoint an S3 server?)");
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

S3ErrorBody ParseErrorBody(std::string_view xml) {
  S3ErrorBody body;
  XmlWalk walk;
  walk.on_end = [&](const std::vector<std::string>& path, const std::string& text) {
    if (path.size() != 2 || path[0] != "Error") return;
    if (path[1] == "Code") body.code = text;
    if (path[1] == "Message") body.message = text;
  };
  if (!Walk(xml, walk)) return {};
  return body;
}

std::string ParseUploadId(std::string_view xml, const std::string& url) {
  std::string id;
  XmlWalk walk;
  walk.on_end = [&](const std::vector<std::string>& path, const std::string& text) {
    if (path.size() == 2 && path[1] == "UploadId") id = text;
  };
  if (!Walk(xml, walk) || walk.root != "InitiateMultipartUploadResult" || id.empty())
    throw Malformed(url, "an InitiateMultipartUploadResult with an UploadId");
  return id;
}

ListPage ParseListPage(std::string_view xml, const std::string& url) {
  ListPage page;
  ListedObject current;
  XmlWalk walk;
  walk.on_end = [&](const std::vector<std::string>& path, const std::string& text) {
    if (path.size() == 2) {
      if (path[1] == "IsTruncated") page.truncated = text == "true";
      if (path[1] == "NextContinuationToken") page.next_continuation_token = text;
      if (path[1] == "Contents") {
        page.objects.push_back(std::move(current));
        current = {};
      }
    } else if (path.size() == 3 && path[1] == "Contents") {
      if (path[2] == "Key") current.key = text;
      if (path[2] == "Size") current.size = std::strtoull(text.c_str(), nullptr, 10);
      if (path[2] == "ETag") current.etag = text;
      if (path[2] == "LastModified") current.last_modified = text;
    } else if (path.size() == 3 && path[1] == "CommonPrefixes" && path[2] == "Prefix") {
      page.common_prefixes.push_back(text);
    }
  };
  if (!Walk(xml, walk) || walk.root != "ListBucketResult") throw Malformed(url, "a ListBucketResult");
  if (page.truncated && page.next_continuation_token.empty())
    throw Malformed(url, "a truncated listing with a NextContinuationToken");
  return page;
}

std::string CompleteMultipartBody(const std::vector<std::string>& etags) {
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (size_t i = 0; i < etags.size(); ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + XmlEscape(etags[i]) +
            "</ETag></Part>";
  }
  return body + "</CompleteMultipartUpload>";
}

}  // namespace seed::storage
