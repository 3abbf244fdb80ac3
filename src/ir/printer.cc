#include "tessera/ir/printer.h"

#include <cmath>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "tessera/ir/intrinsics.h"
#include "text_format_common.h"

namespace tessera {

bool is_plain_identifier(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
    return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return !is_text_format_keyword(name);
}

std::string quote_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string format_float_literal(double value, DataType dtype) {
  const std::string type = dtype.str();
  if (std::isnan(value)) return fmt::format("{}(nan)", type);
  if (std::isinf(value)) return fmt::format("{}({}inf)", type, value < 0 ? "-" : "");
  std::string suffix =
      dtype.code() == TypeCode::kBFloat ? "bf16" : fmt::format("f{}", dtype.bits());
  return fmt::format("{}{}", value, suffix);
}

std::string format_int_literal(int64_t value, DataType dtype) {
  if (dtype.is_bool()) return value ? "true" : "false";
  if (dtype == DataType::int32()) return fmt::format("{}", value);
  return fmt::format("{}{}{}", value, dtype.is_int() ? "i" : "u", dtype.bits());
}

namespace {

// Binding strength of each printed operator; higher binds tighter.
int precedence(const Expr& e) {
  switch (e.kind()) {
    case ExprKind::kOr: return 1;
    case ExprKind::kAnd: return 2;
    case ExprKind::kEQ:
    case ExprKind::kNE:
    case ExprKind::kLT:
    case ExprKind::kLE:
    case ExprKind::kGT:
    case ExprKind::kGE: return 3;
    case ExprKind::kAdd:
    case ExprKind::kSub: return 4;
    case ExprKind::kMul:
    case ExprKind::kDiv:
    case ExprKind::kMod: return 5;
    case ExprKind::kNot: return 6;
    default: return 7;
  }
}

const char* infix_symbol(ExprKind k) {
  switch (k) {
    case ExprKind::kAdd: return "+";
    case ExprKind::kSub: return "-";
    case ExprKind::kMul: return "*";
    case ExprKind::kDiv: return "/";
    case ExprKind::kMod: return "%";
    case ExprKind::kEQ: return "==";
    case ExprKind::kNE: return "!=";
    case ExprKind::kLT: return "<";
    case ExprKind::kLE: return "<=";
    case ExprKind::kGT: return ">";
    case ExprKind::kGE: return ">=";
    case ExprKind::kAnd: return "&&";
    case ExprKind::kOr: return "||";
    default: return nullptr;
  }
}

const char* function_name(ExprKind k) {
  switch (k) {
    case ExprKind::kFloorDiv: return "floordiv";
    case ExprKind::kFloorMod: return "floormod";
    case ExprKind::kMin: return "min";
    case ExprKind::kMax: return "max";
    default: return nullptr;
  }
}

class TextPrinter {
 public:
  std::string out;
  const StmtNode* marked = nullptr;
  std::string marker;

  void func(const PrimFunc& f) {
    out += "func ";
    out += name_text(f->name);
    out += "(";
    for (size_t i = 0; i < f->params.size(); ++i) {
      if (i > 0) out += ", ";
      buffer_decl(f->params[i]);
    }
    out += ")";
    annotations_suffix(f->attrs);
    out += " {\n";
    indent_ += 1;
    stmt(f->body);
    indent_ -= 1;
    out += "}\n";
  }

  void stmt(const Stmt& s) {
    if (marked != nullptr &&
        (s.get() == marked ||
         (s.as<BlockRealizeNode>() && s.as<BlockRealizeNode>()->block.get() == marked))) {
      // The statement's first line ends at the next newline; mark it there.
      size_t start = out.size();
      stmt_unmarked(s);
      size_t eol = out.find('\n', start);
      if (eol != std::string::npos) out.insert(eol, "  # <== " + marker);
      return;
    }
    stmt_unmarked(s);
  }

  void stmt_unmarked(const Stmt& s) {
    switch (s.kind()) {
      case StmtKind::kBufferStore: {
        auto* x = s.as<BufferStoreNode>();
        line_start();
        out += buffer_name(x->buffer);
        indices(x->indices);
        out += " = ";
        expr(x->value);
        out += ";\n";
        return;
      }
      case StmtKind::kFor: {
        auto* x = s.as<ForNode>();
        line_start();
        out += "for " + define_var(x->loop_var) + " in " + for_kind_name(x->for_kind) + "(";
        expr(x->min);
        out += ", ";
        expr(x->extent);
        if (x->for_kind == ForKind::kThreadBinding) out += ", " + quote_string(x->thread_tag);
        out += ")";
        annotations_suffix(x->annotations);
        body_block(x->body);
        return;
      }
      case StmtKind::kBlock: return block(nullptr, s.as<BlockNode>());
      case StmtKind::kBlockRealize: {
        auto* x = s.as<BlockRealizeNode>();
        return block(x, x->block_node());
      }
      case StmtKind::kSeqStmt:
        for (const Stmt& c : s.as<SeqStmtNode>()->seq) stmt(c);
        return;
      case StmtKind::kIfThenElse: {
        auto* x = s.as<IfThenElseNode>();
        line_start();
        out += "if ";
        expr(x->condition);
        body_block(x->then_case, x->else_case.defined());
        if (x->else_case.defined()) {
          out += " else";
          body_block(x->else_case);
        }
        return;
      }
      case StmtKind::kLetStmt: {
        auto* x = s.as<LetStmtNode>();
        line_start();
        std::string value = sub_expr(x->value);
        out += "let " + define_var(x->var) + " = " + value;
        body_block(x->body);
        return;
      }
      case StmtKind::kEvaluate:
        line_start();
        out += "evaluate ";
        expr(s.as<EvaluateNode>()->value);
        out += ";\n";
        return;
      case StmtKind::kAllocate: {
        auto* x = s.as<AllocateNode>();
        line_start();
        out += "allocate ";
        buffer_decl(x->buffer);
        body_block(x->body);
        return;
      }
    }
  }

  void expr(const Expr& e) {
    switch (e.kind()) {
      case ExprKind::kIntImm:
        out += format_int_literal(e.as<IntImmNode>()->value, e.dtype());
        return;
      case ExprKind::kFloatImm:
        out += format_float_literal(e.as<FloatImmNode>()->value, e.dtype());
        return;
      case ExprKind::kVar: out += use_var(e); return;
      case ExprKind::kNot: {
        out += "!";
        operand(e.as<NotNode>()->a, precedence(e) + 1);
        return;
      }
      case ExprKind::kSelect: {
        auto* x = e.as<SelectNode>();
        call_like("select", {x->condition, x->true_value, x->false_value});
        return;
      }
      case ExprKind::kCast:
        out += "cast(" + e.dtype().str() + ", ";
        expr(e.as<CastNode>()->value);
        out += ")";
        return;
      case ExprKind::kBufferLoad: {
        auto* x = e.as<BufferLoadNode>();
        out += buffer_name(x->buffer);
        indices(x->indices);
        return;
      }
      case ExprKind::kCall: {
        auto* x = e.as<CallNode>();
        const IntrinsicInfo* builtin = find_builtin_intrinsic(x->op);
        bool short_form = builtin != nullptr && !x->args.empty() &&
                          (x->op == "if_then_else" ? x->args[1].dtype() == e.dtype()
                                                   : x->args[0].dtype() == e.dtype());
        if (short_form) {
          call_like(x->op, x->args);
        } else {
          out += "call<" + e.dtype().str() + ">(" + quote_string(x->op);
          for (const Expr& a : x->args) {
            out += ", ";
            expr(a);
          }
          out += ")";
        }
        return;
      }
      case ExprKind::kRamp: {
        auto* x = e.as<RampNode>();
        out += "ramp(";
        expr(x->base);
        out += ", ";
        expr(x->stride);
        out += fmt::format(", {})", x->lanes);
        return;
      }
      case ExprKind::kBroadcast: {
        auto* x = e.as<BroadcastNode>();
        out += "broadcast(";
        expr(x->value);
        out += fmt::format(", {})", x->lanes);
        return;
      }
      case ExprKind::kLet: {
        auto* x = e.as<LetNode>();
        std::string value = sub_expr(x->value);
        out += "(let " + define_var(x->var) + " = " + value + " in ";
        expr(x->body);
        out += ")";
        return;
      }
      default: break;
    }
    auto* x = e.as<BinaryNode>();
    if (const char* fn = function_name(e.kind())) {
      call_like(fn, {x->a, x->b});
      return;
    }
    const int p = precedence(e);
    // Left-associative; comparisons do not chain, so both sides need a tighter operator.
    operand(x->a, is_comparison(e.kind()) ? p + 1 : p);
    out += " ";
    out += infix_symbol(e.kind());
    out += " ";
    operand(x->b, p + 1);
  }

 private:
  int indent_ = 0;
  std::unordered_map<const ExprNode*, std::string> var_names_;
  std::set<std::string> used_var_names_;
  std::unordered_map<const BufferNode*, std::string> buffer_names_;
  std::set<std::string> used_buffer_names_;

  void line_start() { out.append(static_cast<size_t>(indent_) * 2, ' '); }

  std::string sub_expr(const Expr& e) {
    std::string saved;
    saved.swap(out);
    expr(e);
    saved.swap(out);
    return saved;
  }

  void operand(const Expr& e, int min_precedence) {
    // A negative literal is parsed as a unary minus applied to a literal, so it is safe anywhere.
    if (precedence(e) < min_precedence) {
      out += "(";
      expr(e);
      out += ")";
    } else {
      expr(e);
    }
  }

  void call_like(const std::string& name, const std::vector<Expr>& args) {
    out += name + "(";
    for (size_t i = 0; i < args.size(); ++i) {
      if (i > 0) out += ", ";
      expr(args[i]);
    }
    out += ")";
  }

  void indices(const std::vector<Expr>& idx) {
    out += "[";
    for (size_t i = 0; i < idx.size(); ++i) {
      if (i > 0) out += ", ";
      expr(idx[i]);
    }
    out += "]";
  }

  static std::string sanitize(const std::string& name) {
    std::string s;
    for (char c : name) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) s = "v" + s;
    if (is_text_format_keyword(s)) s += "_";
    return s;
  }

  std::string define_var(const Var& v) {
    auto it = var_names_.find(v.get());
    if (it != var_names_.end()) return it->second;
    std::string base = sanitize(v.name());
    std::string name = base;
    for (int k = 1; used_var_names_.count(name) != 0; ++k) name = fmt::format("{}_{}", base, k);
    used_var_names_.insert(name);
    var_names_.emplace(v.get(), name);
    return name;
  }

  std::string use_var(const Expr& e) { return define_var(Var::from_expr(e)); }

  static std::string name_text(const std::string& name) {
    return is_plain_identifier(name) ? name : quote_string(name);
  }

  std::string buffer_name(const Buffer& b) {
    auto it = buffer_names_.find(b.get());
    if (it != buffer_names_.end()) return it->second;
    // Buffer names are part of a program's identity, so they are kept verbatim;
    // only a clash between two distinct buffers (ill-formed) forces a rename.
    std::string name = b->name;
    for (int k = 1; used_buffer_names_.count(name) != 0; ++k)
      name = fmt::format("{}_{}", b->name, k);
    used_buffer_names_.insert(name);
    std::string text = name_text(name);
    buffer_names_.emplace(b.get(), text);
    return text;
  }

  void buffer_decl(const Buffer& b) {
    out += buffer_name(b) + ": " + b->dtype.str() + "[";
    for (size_t i = 0; i < b->shape.size(); ++i) {
      if (i > 0) out += ", ";
      expr(b->shape[i]);
    }
    out += "]";
    if (!b->strides.empty()) {
      out += " strides[";
      for (size_t i = 0; i < b->strides.size(); ++i) {
        if (i > 0) out += ", ";
        expr(b->strides[i]);
      }
      out += "]";
    }
    if (!(b->elem_offset.dtype() == DataType::int32() && is_const_int(b->elem_offset, 0))) {
      out += " offset ";
      operand(b->elem_offset, 7);
    }
    if (b->scope != "global") out += " scope " + quote_string(b->scope);
  }

  void annotation_value(const AnnotationValue& v) {
    if (const auto* i = std::get_if<int64_t>(&v)) {
      out += fmt::format("{}", *i);
    } else if (const auto* d = std::get_if<double>(&v)) {
      std::string text = fmt::format("{}", *d);
      if (text.find_first_of(".en") == std::string::npos) text += ".0";
      out += text;
    } else {
      out += quote_string(std::get<std::string>(v));
    }
  }

  void annotations_suffix(const Annotations& a) {
    if (a.empty()) return;
    out += " with {";
    bool first = true;
    for (const auto& [key, value] : a) {
      if (!first) out += ", ";
      first = false;
      out += quote_string(key) + ": ";
      annotation_value(value);
    }
    out += "}";
  }

  void body_block(const Stmt& body, bool continues = false) {
    out += " {\n";
    indent_ += 1;
    stmt(body);
    indent_ -= 1;
    line_start();
    out += continues ? "}" : "}\n";
  }

  void region(const BufferRegion& r) {
    out += buffer_name(r.buffer) + "[";
    for (size_t i = 0; i < r.region.size(); ++i) {
      if (i > 0) out += ", ";
      const Range& range = r.region[i];
      expr(range.min);
      if (!(range.extent.dtype() == range.min.dtype() && is_const_int(range.extent, 1))) {
        out += ":+";
        operand(range.extent, 5);
      }
    }
    out += "]";
  }

  void regions(const char* keyword, const std::vector<BufferRegion>& rs) {
    line_start();
    out += keyword;
    out += "(";
    for (size_t i = 0; i < rs.size(); ++i) {
      if (i > 0) out += ", ";
      region(rs[i]);
    }
    out += ");\n";
  }

  void block(const BlockRealizeNode* realize, const BlockNode* b) {
    line_start();
    out += realize ? "block " : "bare block ";
    out += name_text(b->name) + "(";
    for (size_t i = 0; i < b->iter_vars.size(); ++i) {
      const IterVar& iv = b->iter_vars[i];
      if (i > 0) out += ", ";
      out += define_var(iv.var) + ": " + iter_kind_name(iv.kind) + "(";
      expr(iv.dom.min);
      out += ", ";
      expr(iv.dom.extent);
      out += ")";
      if (realize) {
        out += " = ";
        expr(realize->iter_values[i]);
      }
    }
    out += ")";
    if (realize && !(realize->predicate.dtype().is_bool() && is_const_int(realize->predicate, 1))) {
      out += " where ";
      expr(realize->predicate);
    }
    annotations_suffix(b->annotations);
    out += " {\n";
    indent_ += 1;
    regions("reads", b->reads);
    regions("writes", b->writes);
    for (const Buffer& a : b->alloc_buffers) {
      line_start();
      out += "alloc ";
      buffer_decl(a);
      out += ";\n";
    }
    for (const MatchBufferRegion& m : b->match_buffers) {
      line_start();
      out += "match ";
      buffer_decl(m.buffer);
      out += " = ";
      region(m.source);
      out += ";\n";
    }
    if (b->init.defined()) {
      line_start();
      out += "init";
      body_block(b->init);
    }
    stmt(b->body);
    indent_ -= 1;
    line_start();
    out += "}\n";
  }
};

}  // namespace

std::string print(const PrimFunc& func) {
  TextPrinter p;
  p.func(func);
  return p.out;
}

std::string print(const Stmt& stmt) {
  TextPrinter p;
  p.stmt(stmt);
  return p.out;
}

std::string print_marked(const PrimFunc& func, const StmtNode* marked, const std::string& note) {
  TextPrinter p;
  p.marked = marked;
  p.marker = note;
  p.func(func);
  return p.out;
}

std::string print(const Expr& expr) {
  TextPrinter p;
  p.expr(expr);
  return p.out;
}

}  // namespace tessera
