#include "tessera/ir/function.h"

#include <set>

#include "tessera/support/error.h"

namespace tessera {

PrimFunc PrimFunc::make(std::string name, std::vector<Buffer> params, Stmt body,
                        Annotations attrs) {
  if (name.empty()) fail("a function needs a name");
  if (!body.defined()) fail("function '{}': body is missing", name);
  std::set<const BufferNode*> seen;
  std::set<std::string> names;
  for (const Buffer& b : params) {
    if (!b.defined()) fail("function '{}': a parameter is missing", name);
    if (!seen.insert(b.get()).second)
      fail("function '{}': buffer '{}' is a parameter twice", name, b->name);
    if (!names.insert(b->name).second)
      fail("function '{}': two parameters are named '{}'", name, b->name);
  }
  auto node = std::make_shared<PrimFuncNode>();
  node->name = std::move(name);
  node->params = std::move(params);
  node->body = std::move(body);
  node->attrs = std::move(attrs);
  return PrimFunc(std::move(node));
}

PrimFunc PrimFunc::with_body(Stmt body) const {
  auto node = std::make_shared<PrimFuncNode>(*node_);
  node->body = std::move(body);
  return PrimFunc(std::move(node));
}

}  // namespace tessera
