// Builds a lowered PrimFunc into an LLVM module: the typed function, its parallel loops
// outlined into functions the thread pool runs, and the checked packed entry point.
#include <cstdlib>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>

#include "llvm_internal.h"
#include "tessera/ir/printer.h"
#include "tessera/support/error.h"

namespace tessera::llvm_detail {

std::string llvm_message(llvm::Error error) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << error;
  return s;
}

void initialize_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    // LLVM's own options (-time-passes, -debug-pass-manager, ...) for profiling the backend.
    if (std::getenv("TESSERA_LLVM_OPTIONS") != nullptr) {
      const char* argv[] = {"tessera"};
      llvm::cl::ParseCommandLineOptions(1, argv, "", nullptr, "TESSERA_LLVM_OPTIONS");
    }
  });
}

namespace {

// Builds one PrimFunc into `module`.
class FunctionBuilder {
 public:
  FunctionBuilder(const PrimFunc& func, llvm::Module& module)
      : func_(func), module_(module), ctx_(module.getContext()), b_(ctx_) {
    // a * b + c may become one fused multiply-add: it rounds once instead of twice, a
    // difference the correctness check's bound (eps times the sum of |terms|) allows,
    // and on CPUs whose adds share the FMA ports it doubles the multiply-add rate.
    llvm::FastMathFlags contract;
    contract.setAllowContract(true);
    b_.setFastMathFlags(contract);
  }

  void build() {
    llvm::Type* ptr = llvm::PointerType::get(ctx_, 0);
    std::vector<llvm::Type*> params(func_->params.size(), ptr);
    auto* impl_type = llvm::FunctionType::get(b_.getVoidTy(), params, false);
    llvm::Function* impl =
        llvm::Function::Create(impl_type, llvm::Function::ExternalLinkage, func_->name, module_);
    for (size_t i = 0; i < func_->params.size(); ++i) {
      const Buffer& p = func_->params[i];
      if (p.ndim() != 1)
        fail("LLVM backend: parameter '{}' of '{}' is not flattened; lower the function first",
             p->name, func_->name);
      impl->addParamAttr(static_cast<unsigned>(i), llvm::Attribute::NoAlias);
      impl->addParamAttr(static_cast<unsigned>(i),
                         llvm::Attribute::getWithAlignment(ctx_, llvm::Align(64)));
      impl->getArg(static_cast<unsigned>(i))->setName(p->name);
      buffers_[p.get()] = impl->getArg(static_cast<unsigned>(i));
    }
    begin_function(impl);
    stmt(func_->body);
    b_.CreateRetVoid();
    // The entry point: int <name>_packed(void** args). The kernel assumes 64-byte aligned
    // arrays (aligned vector loads and stores): a misaligned argument i returns i + 1
    // without running anything, where the typed entry point would crash.
    auto* packed_type = llvm::FunctionType::get(b_.getInt32Ty(), {ptr}, false);
    llvm::Function* packed = llvm::Function::Create(packed_type, llvm::Function::ExternalLinkage,
                                                    func_->name + "_packed", module_);
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", packed));
    std::vector<llvm::Value*> args;
    for (size_t i = 0; i < func_->params.size(); ++i) {
      llvm::Value* slot = b_.CreateConstGEP1_64(ptr, packed->getArg(0), i);
      llvm::Value* pointer = b_.CreateLoad(ptr, slot);
      llvm::Value* low_bits =
          b_.CreateAnd(b_.CreatePtrToInt(pointer, b_.getInt64Ty()), b_.getInt64(63));
      llvm::BasicBlock* misaligned = llvm::BasicBlock::Create(ctx_, "misaligned", packed);
      llvm::BasicBlock* next = llvm::BasicBlock::Create(ctx_, "aligned", packed);
      b_.CreateCondBr(b_.CreateICmpNE(low_bits, b_.getInt64(0)), misaligned, next);
      b_.SetInsertPoint(misaligned);
      b_.CreateRet(b_.getInt32(static_cast<uint32_t>(i + 1)));
      b_.SetInsertPoint(next);
      args.push_back(pointer);
    }
    b_.CreateCall(impl, args);
    b_.CreateRet(b_.getInt32(0));
  }

 private:
  [[noreturn]] void unsupported(const std::string& what) {
    fail("LLVM backend: function '{}': {}", func_->name, what);
  }

  void begin_function(llvm::Function* f) {
    entry_ = llvm::BasicBlock::Create(ctx_, "entry", f);
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "body", f));
    llvm::IRBuilder<> at_entry(entry_);
    at_entry.CreateBr(b_.GetInsertBlock());
  }

  llvm::Type* type(DataType t) {
    if (t.lanes() != 1)
      return llvm::FixedVectorType::get(type(t.element_of()), static_cast<unsigned>(t.lanes()));
    if (t.is_bool()) return b_.getInt1Ty();
    switch (t.code()) {
      case TypeCode::kInt:
      case TypeCode::kUInt: return b_.getIntNTy(static_cast<unsigned>(t.bits()));
      case TypeCode::kFloat:
        if (t.bits() == 32) return b_.getFloatTy();
        if (t.bits() == 64) return b_.getDoubleTy();
        break;
      default: break;
    }
    unsupported(fmt::format("data type {} is not supported by the LLVM backend yet", t.str()));
  }
  // How an element is stored in memory (bool as a byte).
  llvm::Type* storage(DataType t) { return t.is_bool() ? b_.getInt8Ty() : type(t); }

  llvm::Value* var(const VarNode* v) {
    auto it = vars_.find(v);
    if (it == vars_.end())
      unsupported(fmt::format("variable '{}' is used outside its loop or let", v->name));
    return it->second;
  }
  llvm::Value* buffer(const Buffer& buf) {
    auto it = buffers_.find(buf.get());
    if (it == buffers_.end())
      unsupported(fmt::format("buffer '{}' is used outside its allocation", buf->name));
    return it->second;
  }
  llvm::Value* address(const Buffer& buf, const std::vector<Expr>& indices) {
    if (indices.size() != 1) unsupported(fmt::format("buffer '{}' is not flattened", buf->name));
    return b_.CreateInBoundsGEP(storage(buf->dtype), buffer(buf), expr(indices[0]));
  }

  // A vector access: one contiguous load or store when the index is a stride-1 Ramp,
  // a gather or scatter through a vector of addresses otherwise.
  const RampNode* contiguous(const std::vector<Expr>& indices) {
    const auto* ramp = indices.size() == 1 ? indices[0].as<RampNode>() : nullptr;
    return ramp != nullptr && is_const_int(ramp->stride, 1) ? ramp : nullptr;
  }
  llvm::Value* vector_load(const BufferLoadNode* l, DataType t) {
    if (t.is_bool())
      unsupported(fmt::format("a vector load from bool buffer '{}'", l->buffer->name));
    llvm::Align align(static_cast<uint64_t>(t.element_of().bytes()));
    if (const RampNode* ramp = contiguous(l->indices)) {
      return b_.CreateAlignedLoad(
          type(t),
          b_.CreateInBoundsGEP(storage(t.element_of()), buffer(l->buffer), expr(ramp->base)),
          align);
    }
    llvm::Value* pointers = address(l->buffer, l->indices);
    return b_.CreateMaskedGather(
        type(t), pointers, align,
        llvm::Constant::getAllOnesValue(type(DataType::boolean().with_lanes(t.lanes()))));
  }
  void vector_store(const BufferStoreNode* st) {
    DataType t = st->value.dtype();
    if (t.is_bool())
      unsupported(fmt::format("a vector store to bool buffer '{}'", st->buffer->name));
    llvm::Align align(static_cast<uint64_t>(t.element_of().bytes()));
    llvm::Value* v = expr(st->value);
    if (const RampNode* ramp = contiguous(st->indices)) {
      b_.CreateAlignedStore(
          v, b_.CreateInBoundsGEP(storage(t.element_of()), buffer(st->buffer), expr(ramp->base)),
          align);
      return;
    }
    b_.CreateMaskedScatter(
        v, address(st->buffer, st->indices), align,
        llvm::Constant::getAllOnesValue(type(DataType::boolean().with_lanes(t.lanes()))));
  }

  llvm::Value* cast(llvm::Value* v, DataType from, DataType to) {
    if (from == to) return v;
    llvm::Type* t = type(to);
    if (to.is_bool())
      return from.is_floating() ? b_.CreateFCmpUNE(v, llvm::ConstantFP::get(v->getType(), 0.0))
                                : b_.CreateICmpNE(v, llvm::ConstantInt::get(v->getType(), 0));
    if (from.is_floating() && to.is_floating()) return b_.CreateFPCast(v, t);
    if (from.is_floating()) return to.is_int() ? b_.CreateFPToSI(v, t) : b_.CreateFPToUI(v, t);
    if (to.is_floating()) return from.is_int() ? b_.CreateSIToFP(v, t) : b_.CreateUIToFP(v, t);
    return b_.CreateIntCast(v, t, from.is_int());
  }

  llvm::Value* expr(const Expr& e) {
    DataType t = e.dtype();
    switch (e.kind()) {
      case ExprKind::kIntImm:
        return llvm::ConstantInt::get(type(t), static_cast<uint64_t>(e.as<IntImmNode>()->value),
                                      t.is_int());
      case ExprKind::kFloatImm: return llvm::ConstantFP::get(type(t), e.as<FloatImmNode>()->value);
      case ExprKind::kVar: return var(e.as<VarNode>());
      case ExprKind::kNot: return b_.CreateNot(expr(e.as<NotNode>()->a));
      case ExprKind::kSelect: {
        const auto* s = e.as<SelectNode>();
        llvm::Value* c = expr(s->condition);
        return b_.CreateSelect(c, expr(s->true_value), expr(s->false_value));
      }
      case ExprKind::kCast: {
        const auto* c = e.as<CastNode>();
        return cast(expr(c->value), c->value.dtype(), t);
      }
      case ExprKind::kBufferLoad: {
        const auto* l = e.as<BufferLoadNode>();
        if (t.lanes() > 1) return vector_load(l, t);
        llvm::Value* v = b_.CreateLoad(storage(t), address(l->buffer, l->indices));
        return t.is_bool() ? b_.CreateICmpNE(v, b_.getInt8(0)) : v;
      }
      case ExprKind::kCall: return call(e.as<CallNode>(), t);
      case ExprKind::kLet: {
        const auto* l = e.as<LetNode>();
        vars_[l->var.get()] = expr(l->value);
        llvm::Value* body = expr(l->body);
        vars_.erase(l->var.get());
        return body;
      }
      case ExprKind::kRamp: {
        const auto* r = e.as<RampNode>();
        std::vector<llvm::Constant*> steps;
        for (int k = 0; k < r->lanes; ++k)
          steps.push_back(
              llvm::ConstantInt::get(type(t.element_of()), static_cast<uint64_t>(k), true));
        llvm::Value* base = b_.CreateVectorSplat(static_cast<unsigned>(r->lanes), expr(r->base));
        llvm::Value* stride =
            b_.CreateVectorSplat(static_cast<unsigned>(r->lanes), expr(r->stride));
        return b_.CreateAdd(base, b_.CreateMul(stride, llvm::ConstantVector::get(steps)));
      }
      case ExprKind::kBroadcast: {
        const auto* x = e.as<BroadcastNode>();
        return b_.CreateVectorSplat(static_cast<unsigned>(x->lanes), expr(x->value));
      }
      default: break;
    }
    const auto* bin = e.as<BinaryNode>();
    if (bin == nullptr) unsupported(fmt::format("expression kind {}", expr_kind_name(e.kind())));
    DataType ot = bin->a.dtype();
    llvm::Value* x = expr(bin->a);
    llvm::Value* y = expr(bin->b);
    const bool fp = ot.is_floating(), sign = ot.is_int();
    switch (bin->kind) {
      case ExprKind::kAdd: return fp ? b_.CreateFAdd(x, y) : b_.CreateAdd(x, y);
      case ExprKind::kSub: return fp ? b_.CreateFSub(x, y) : b_.CreateSub(x, y);
      case ExprKind::kMul: return fp ? b_.CreateFMul(x, y) : b_.CreateMul(x, y);
      case ExprKind::kDiv:
        return fp ? b_.CreateFDiv(x, y) : sign ? b_.CreateSDiv(x, y) : b_.CreateUDiv(x, y);
      case ExprKind::kMod:
        return fp ? b_.CreateFRem(x, y) : sign ? b_.CreateSRem(x, y) : b_.CreateURem(x, y);
      case ExprKind::kFloorDiv: {
        if (fp) return unary_intrinsic(llvm::Intrinsic::floor, b_.CreateFDiv(x, y));
        if (!sign) return b_.CreateUDiv(x, y);
        llvm::Value* q = b_.CreateSDiv(x, y);
        llvm::Value* r = b_.CreateSRem(x, y);
        llvm::Value* zero = llvm::ConstantInt::get(x->getType(), 0);
        llvm::Value* adjust =
            b_.CreateAnd(b_.CreateICmpNE(r, zero),
                         b_.CreateXor(b_.CreateICmpSLT(r, zero), b_.CreateICmpSLT(y, zero)));
        return b_.CreateSub(q, b_.CreateZExt(adjust, x->getType()));
      }
      case ExprKind::kFloorMod: {
        if (fp) unsupported("floormod of floats");
        if (!sign) return b_.CreateURem(x, y);
        llvm::Value* r = b_.CreateSRem(x, y);
        llvm::Value* zero = llvm::ConstantInt::get(x->getType(), 0);
        llvm::Value* adjust =
            b_.CreateAnd(b_.CreateICmpNE(r, zero),
                         b_.CreateXor(b_.CreateICmpSLT(r, zero), b_.CreateICmpSLT(y, zero)));
        return b_.CreateSelect(adjust, b_.CreateAdd(r, y), r);
      }
      // The interpreter's min/max: the first operand unless the second is strictly smaller/greater.
      case ExprKind::kMin:
        return b_.CreateSelect(fp     ? b_.CreateFCmpOLT(y, x)
                               : sign ? b_.CreateICmpSLT(y, x)
                                      : b_.CreateICmpULT(y, x),
                               y, x);
      case ExprKind::kMax:
        return b_.CreateSelect(fp     ? b_.CreateFCmpOGT(y, x)
                               : sign ? b_.CreateICmpSGT(y, x)
                                      : b_.CreateICmpUGT(y, x),
                               y, x);
      case ExprKind::kEQ: return fp ? b_.CreateFCmpOEQ(x, y) : b_.CreateICmpEQ(x, y);
      case ExprKind::kNE: return fp ? b_.CreateFCmpUNE(x, y) : b_.CreateICmpNE(x, y);
      case ExprKind::kLT:
        return fp ? b_.CreateFCmpOLT(x, y) : sign ? b_.CreateICmpSLT(x, y) : b_.CreateICmpULT(x, y);
      case ExprKind::kLE:
        return fp ? b_.CreateFCmpOLE(x, y) : sign ? b_.CreateICmpSLE(x, y) : b_.CreateICmpULE(x, y);
      case ExprKind::kGT:
        return fp ? b_.CreateFCmpOGT(x, y) : sign ? b_.CreateICmpSGT(x, y) : b_.CreateICmpUGT(x, y);
      case ExprKind::kGE:
        return fp ? b_.CreateFCmpOGE(x, y) : sign ? b_.CreateICmpSGE(x, y) : b_.CreateICmpUGE(x, y);
      case ExprKind::kAnd: return b_.CreateAnd(x, y);
      case ExprKind::kOr: return b_.CreateOr(x, y);
      default: unsupported(fmt::format("binary operator {}", expr_kind_name(bin->kind)));
    }
  }

  llvm::Value* unary_intrinsic(llvm::Intrinsic::ID id, llvm::Value* x) {
    llvm::Function* f = llvm::Intrinsic::getDeclaration(&module_, id, {x->getType()});
    return b_.CreateCall(f, {x});
  }
  // A libm function, called once per lane for a vector.
  llvm::Value* libm(const std::string& name, llvm::Value* x) {
    auto* vector_type = llvm::dyn_cast<llvm::FixedVectorType>(x->getType());
    llvm::Type* scalar = vector_type != nullptr ? vector_type->getElementType() : x->getType();
    std::string n = scalar->isFloatTy() ? name + "f" : name;
    llvm::FunctionCallee f =
        module_.getOrInsertFunction(n, llvm::FunctionType::get(scalar, {scalar}, false));
    if (vector_type == nullptr) return b_.CreateCall(f, {x});
    llvm::Value* out = llvm::PoisonValue::get(vector_type);
    for (unsigned k = 0; k < vector_type->getNumElements(); ++k) {
      out = b_.CreateInsertElement(out, b_.CreateCall(f, {b_.CreateExtractElement(x, k)}), k);
    }
    return out;
  }

  llvm::Value* call(const CallNode* op, DataType t) {
    if (op->op == "if_then_else") {
      // Only the branch taken is evaluated: the other may load out of bounds (padding).
      llvm::Value* c = expr(op->args[0]);
      llvm::Function* f = b_.GetInsertBlock()->getParent();
      auto* then_bb = llvm::BasicBlock::Create(ctx_, "then", f);
      auto* else_bb = llvm::BasicBlock::Create(ctx_, "else", f);
      auto* join = llvm::BasicBlock::Create(ctx_, "join", f);
      b_.CreateCondBr(c, then_bb, else_bb);
      b_.SetInsertPoint(then_bb);
      llvm::Value* a = expr(op->args[1]);
      llvm::BasicBlock* a_end = b_.GetInsertBlock();
      b_.CreateBr(join);
      b_.SetInsertPoint(else_bb);
      llvm::Value* z = expr(op->args[2]);
      llvm::BasicBlock* z_end = b_.GetInsertBlock();
      b_.CreateBr(join);
      b_.SetInsertPoint(join);
      llvm::PHINode* phi = b_.CreatePHI(a->getType(), 2);
      phi->addIncoming(a, a_end);
      phi->addIncoming(z, z_end);
      return phi;
    }
    std::vector<llvm::Value*> args;
    for (const Expr& a : op->args) args.push_back(expr(a));
    if (op->op == "abs" && !t.is_floating()) {
      llvm::Value* zero = llvm::ConstantInt::get(args[0]->getType(), 0);
      return b_.CreateSelect(b_.CreateICmpSLT(args[0], zero), b_.CreateNeg(args[0]), args[0]);
    }
    if (!t.is_floating()) unsupported(fmt::format("intrinsic '{}' on {}", op->op, t.str()));
    static const std::unordered_map<std::string, llvm::Intrinsic::ID> kUnary = {
        {"exp", llvm::Intrinsic::exp},   {"log", llvm::Intrinsic::log},
        {"sqrt", llvm::Intrinsic::sqrt}, {"floor", llvm::Intrinsic::floor},
        {"ceil", llvm::Intrinsic::ceil}, {"round", llvm::Intrinsic::nearbyint},
        {"abs", llvm::Intrinsic::fabs}};
    if (auto it = kUnary.find(op->op); it != kUnary.end())
      return unary_intrinsic(it->second, args[0]);
    if (op->op == "tanh" || op->op == "erf") return libm(op->op, args[0]);
    if (op->op == "sigmoid") {
      llvm::Value* one = llvm::ConstantFP::get(args[0]->getType(), 1.0);
      return b_.CreateFDiv(
          one, b_.CreateFAdd(one, unary_intrinsic(llvm::Intrinsic::exp, b_.CreateFNeg(args[0]))));
    }
    if (op->op == "pow" || op->op == "fma") {
      llvm::Function* f = llvm::Intrinsic::getDeclaration(
          &module_, op->op == "pow" ? llvm::Intrinsic::pow : llvm::Intrinsic::fma,
          {args[0]->getType()});
      return b_.CreateCall(f, args);
    }
    unsupported(fmt::format("target intrinsic '{}'", op->op));
  }

  // Loop metadata asking LLVM for vectorization at `width` or full unrolling.
  void annotate_loop(llvm::BranchInst* backedge, ForKind kind, int64_t width) {
    if (kind != ForKind::kVectorized && kind != ForKind::kUnrolled) return;
    std::vector<llvm::Metadata*> ops{nullptr};
    if (kind == ForKind::kVectorized) {
      ops.push_back(
          llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, "llvm.loop.vectorize.enable"),
                                   llvm::ConstantAsMetadata::get(b_.getTrue())}));
      if (width > 1) {
        ops.push_back(llvm::MDNode::get(
            ctx_, {llvm::MDString::get(ctx_, "llvm.loop.vectorize.width"),
                   llvm::ConstantAsMetadata::get(
                       b_.getInt32(static_cast<uint32_t>(std::min<int64_t>(width, 64))))}));
      }
    } else {
      ops.push_back(llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, "llvm.loop.unroll.full")}));
    }
    llvm::MDNode* loop = llvm::MDNode::getDistinct(ctx_, ops);
    loop->replaceOperandWith(0, loop);
    backedge->setMetadata(llvm::LLVMContext::MD_loop, loop);
  }

  // for (v = min; v < min + extent; ++v) body, in the current function.
  void serial_loop(const ForNode* f, llvm::Value* begin, llvm::Value* end) {
    llvm::Function* fn = b_.GetInsertBlock()->getParent();
    llvm::BasicBlock* pre = b_.GetInsertBlock();
    auto* header = llvm::BasicBlock::Create(ctx_, f->loop_var.name() + ".header", fn);
    auto* body = llvm::BasicBlock::Create(ctx_, f->loop_var.name() + ".body", fn);
    auto* exit = llvm::BasicBlock::Create(ctx_, f->loop_var.name() + ".exit", fn);
    b_.CreateBr(header);
    b_.SetInsertPoint(header);
    llvm::PHINode* i = b_.CreatePHI(begin->getType(), 2, f->loop_var.name());
    i->addIncoming(begin, pre);
    b_.CreateCondBr(b_.CreateICmpSLT(i, end), body, exit);
    b_.SetInsertPoint(body);
    vars_[f->loop_var.get()] = i;
    stmt(f->body);
    // i < end, so i + 1 cannot wrap: saying so (nsw) spares IndVarSimplify proving it, a
    // third of the optimiser's time on deep loop nests. (nsw on all signed arithmetic was
    // measured too: it made some kernels 7x slower.)
    llvm::Value* next = b_.CreateNSWAdd(i, llvm::ConstantInt::get(i->getType(), 1));
    i->addIncoming(next, b_.GetInsertBlock());
    llvm::BranchInst* back = b_.CreateBr(header);
    auto extent = as_const_int(f->extent);
    annotate_loop(back, f->for_kind, extent ? *extent : 0);
    vars_.erase(f->loop_var.get());
    b_.SetInsertPoint(exit);
  }

  // A parallel loop: its body becomes a function run on the thread pool over ranges of
  // the iteration space; what it uses from outside travels in a closure struct.
  void parallel_loop(const ForNode* f) {
    llvm::Value* min = expr(f->min);
    llvm::Value* extent = b_.CreateSExt(expr(f->extent), b_.getInt64Ty());
    std::vector<std::pair<const VarNode*, llvm::Value*>> vars(vars_.begin(), vars_.end());
    std::vector<std::pair<const BufferNode*, llvm::Value*>> bufs(buffers_.begin(), buffers_.end());
    std::vector<llvm::Type*> fields;
    for (auto& [k, v] : vars) fields.push_back(v->getType());
    for (auto& [k, v] : bufs) fields.push_back(v->getType());
    fields.push_back(min->getType());
    llvm::StructType* closure_type = llvm::StructType::get(ctx_, fields);
    llvm::Value* closure;
    {
      llvm::IRBuilder<> at_entry(entry_, entry_->begin());
      closure = at_entry.CreateAlloca(closure_type);
    }
    std::vector<llvm::Value*> values;
    for (auto& [k, v] : vars) values.push_back(v);
    for (auto& [k, v] : bufs) values.push_back(v);
    values.push_back(min);
    for (size_t i = 0; i < values.size(); ++i)
      b_.CreateStore(values[i],
                     b_.CreateStructGEP(closure_type, closure, static_cast<unsigned>(i)));

    llvm::Type* ptr = llvm::PointerType::get(ctx_, 0);
    const std::string base = fmt::format("{}_parallel_{}", func_->name, parallel_count_++);
    // The pool calls `base`(begin, end, closure), which unpacks the closure into the
    // arguments of `base_body`, whose buffer parameters are noalias (a pointer loaded
    // from a struct would tell LLVM nothing, and its loops would not vectorize).
    std::vector<llvm::Type*> impl_params{b_.getInt64Ty(), b_.getInt64Ty()};
    impl_params.insert(impl_params.end(), fields.begin(), fields.end());
    llvm::Function* impl =
        llvm::Function::Create(llvm::FunctionType::get(b_.getVoidTy(), impl_params, false),
                               llvm::Function::InternalLinkage, base + "_body", module_);
    for (size_t i = 0; i < bufs.size(); ++i)
      impl->addParamAttr(static_cast<unsigned>(2 + vars.size() + i), llvm::Attribute::NoAlias);
    auto* body_type =
        llvm::FunctionType::get(b_.getVoidTy(), {b_.getInt64Ty(), b_.getInt64Ty(), ptr}, false);
    llvm::Function* body =
        llvm::Function::Create(body_type, llvm::Function::InternalLinkage, base, module_);
    llvm::BasicBlock* resume = b_.GetInsertBlock();
    {
      llvm::IRBuilder<> unpack(llvm::BasicBlock::Create(ctx_, "entry", body));
      std::vector<llvm::Value*> args{body->getArg(0), body->getArg(1)};
      for (size_t i = 0; i < values.size(); ++i) {
        args.push_back(unpack.CreateLoad(
            fields[i],
            unpack.CreateStructGEP(closure_type, body->getArg(2), static_cast<unsigned>(i))));
      }
      unpack.CreateCall(impl, args);
      unpack.CreateRetVoid();
    }
    // Emit the body function, then come back.
    llvm::BasicBlock* saved_entry = entry_;
    auto saved_vars = vars_;
    auto saved_buffers = buffers_;
    begin_function(impl);
    for (size_t i = 0; i < values.size(); ++i) {
      llvm::Value* v = impl->getArg(static_cast<unsigned>(2 + i));
      if (i < vars.size())
        vars_[vars[i].first] = v;
      else if (i < vars.size() + bufs.size())
        buffers_[bufs[i - vars.size()].first] = v;
      else
        min = v;
    }
    llvm::Type* it = type(f->loop_var.dtype());
    llvm::Value* begin = b_.CreateAdd(min, b_.CreateIntCast(impl->getArg(0), it, true));
    llvm::Value* end = b_.CreateAdd(min, b_.CreateIntCast(impl->getArg(1), it, true));
    serial_loop(f, begin, end);
    b_.CreateRetVoid();
    vars_ = saved_vars;
    buffers_ = saved_buffers;
    entry_ = saved_entry;
    b_.SetInsertPoint(resume);
    llvm::FunctionCallee launch = module_.getOrInsertFunction(
        "tessera_parallel_for",
        llvm::FunctionType::get(b_.getVoidTy(), {b_.getInt64Ty(), ptr, ptr}, false));
    b_.CreateCall(launch, {extent, body, closure});
  }

  void stmt(const Stmt& s) {
    switch (s.kind()) {
      case StmtKind::kBufferStore: {
        const auto* st = s.as<BufferStoreNode>();
        if (st->value.dtype().lanes() > 1) return vector_store(st);
        llvm::Value* v = expr(st->value);
        if (st->value.dtype().is_bool()) v = b_.CreateZExt(v, b_.getInt8Ty());
        b_.CreateStore(v, address(st->buffer, st->indices));
        return;
      }
      case StmtKind::kFor: {
        const auto* f = s.as<ForNode>();
        if (f->for_kind == ForKind::kThreadBinding)
          unsupported(fmt::format("loop '{}' is bound to {} (a GPU schedule)", f->loop_var.name(),
                                  f->thread_tag));
        if (f->for_kind == ForKind::kParallel) return parallel_loop(f);
        llvm::Value* min = expr(f->min);
        serial_loop(f, min, b_.CreateAdd(min, expr(f->extent)));
        return;
      }
      case StmtKind::kSeqStmt:
        for (const Stmt& c : s.as<SeqStmtNode>()->seq) stmt(c);
        return;
      case StmtKind::kIfThenElse: {
        const auto* x = s.as<IfThenElseNode>();
        llvm::Function* fn = b_.GetInsertBlock()->getParent();
        auto* then_bb = llvm::BasicBlock::Create(ctx_, "if.then", fn);
        auto* else_bb =
            x->else_case.defined() ? llvm::BasicBlock::Create(ctx_, "if.else", fn) : nullptr;
        auto* join = llvm::BasicBlock::Create(ctx_, "if.end", fn);
        b_.CreateCondBr(expr(x->condition), then_bb, else_bb != nullptr ? else_bb : join);
        b_.SetInsertPoint(then_bb);
        stmt(x->then_case);
        b_.CreateBr(join);
        if (else_bb != nullptr) {
          b_.SetInsertPoint(else_bb);
          stmt(x->else_case);
          b_.CreateBr(join);
        }
        b_.SetInsertPoint(join);
        return;
      }
      case StmtKind::kLetStmt: {
        const auto* x = s.as<LetStmtNode>();
        vars_[x->var.get()] = expr(x->value);
        stmt(x->body);
        vars_.erase(x->var.get());
        return;
      }
      case StmtKind::kEvaluate: {
        const auto* x = s.as<EvaluateNode>();
        if (!x->value.as<IntImmNode>()) expr(x->value);
        return;
      }
      case StmtKind::kAllocate: {
        const auto* a = s.as<AllocateNode>();
        const Buffer& buf = a->buffer;
        auto size = buf.ndim() == 1 ? as_const_int(buf->shape[0]) : std::nullopt;
        if (!size)
          unsupported(
              fmt::format("allocation of '{}' is not a flattened constant size", buf->name));
        llvm::Type* elem = storage(buf->dtype);
        const int64_t bytes = std::max<int64_t>(*size, 1) * buf->dtype.bytes();
        // Small buffers on the stack of the function running them (a parallel body's own
        // stack, so per thread), large ones from the heap; both 64-byte aligned.
        if (bytes <= 16384) {
          llvm::IRBuilder<> at_entry(entry_, entry_->begin());
          llvm::AllocaInst* p = at_entry.CreateAlloca(
              elem, at_entry.getInt64(static_cast<uint64_t>(std::max<int64_t>(*size, 1))),
              buf->name);
          p->setAlignment(llvm::Align(64));
          buffers_[buf.get()] = p;
          stmt(a->body);
        } else {
          llvm::Type* ptr = llvm::PointerType::get(ctx_, 0);
          llvm::FunctionCallee alloc = module_.getOrInsertFunction(
              "aligned_alloc",
              llvm::FunctionType::get(ptr, {b_.getInt64Ty(), b_.getInt64Ty()}, false));
          llvm::FunctionCallee release = module_.getOrInsertFunction(
              "free", llvm::FunctionType::get(b_.getVoidTy(), {ptr}, false));
          llvm::Value* p = b_.CreateCall(
              alloc, {b_.getInt64(64), b_.getInt64(static_cast<uint64_t>((bytes + 63) / 64 * 64))},
              buf->name);
          buffers_[buf.get()] = p;
          stmt(a->body);
          b_.CreateCall(release, {p});
        }
        buffers_.erase(buf.get());
        return;
      }
      case StmtKind::kBlock:
      case StmtKind::kBlockRealize: unsupported("a block remains; lower the function first");
    }
  }

  const PrimFunc& func_;
  llvm::Module& module_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  llvm::BasicBlock* entry_ = nullptr;  // allocas of the function being built go here
  std::unordered_map<const VarNode*, llvm::Value*> vars_;
  std::unordered_map<const BufferNode*, llvm::Value*> buffers_;
  int parallel_count_ = 0;
};

}  // namespace

void build_function(const PrimFunc& func, llvm::Module& module) {
  FunctionBuilder(func, module).build();
}

}  // namespace tessera::llvm_detail
