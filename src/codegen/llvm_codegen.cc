#include "tessera/codegen/llvm_codegen.h"

#include "tessera/support/attributes.h"

#include <dlfcn.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/DiagnosticHandler.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Passes/StandardInstrumentations.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include "tessera/ir/printer.h"
#include "tessera/runtime/measurement_gate.h"
#include "tessera/runtime/thread_pool.h"
#include "tessera/support/error.h"
#include "tessera/support/file_system.h"
#include "tessera/support/run_command.h"

namespace tessera {

namespace {

std::string llvm_message(llvm::Error error) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << error;
  return s;
}

template <typename T>
T unwrap(llvm::Expected<T> value, const char* what) {
  if (!value) fail("LLVM backend: {}: {}", what, llvm_message(value.takeError()));
  return std::move(*value);
}

// Builds one PrimFunc into `module`.
class FunctionBuilder {
 public:
  FunctionBuilder(const PrimFunc& func, llvm::Module& module) : func_(func), module_(module), ctx_(module.getContext()), b_(ctx_) {
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
    llvm::Function* impl = llvm::Function::Create(impl_type, llvm::Function::ExternalLinkage, func_->name, module_);
    for (size_t i = 0; i < func_->params.size(); ++i) {
      const Buffer& p = func_->params[i];
      if (p.ndim() != 1) fail("LLVM backend: parameter '{}' of '{}' is not flattened; lower the function first", p->name, func_->name);
      impl->addParamAttr(static_cast<unsigned>(i), llvm::Attribute::NoAlias);
      impl->addParamAttr(static_cast<unsigned>(i), llvm::Attribute::getWithAlignment(ctx_, llvm::Align(64)));
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
    llvm::Function* packed = llvm::Function::Create(packed_type, llvm::Function::ExternalLinkage, func_->name + "_packed", module_);
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", packed));
    std::vector<llvm::Value*> args;
    for (size_t i = 0; i < func_->params.size(); ++i) {
      llvm::Value* slot = b_.CreateConstGEP1_64(ptr, packed->getArg(0), i);
      llvm::Value* pointer = b_.CreateLoad(ptr, slot);
      llvm::Value* low_bits = b_.CreateAnd(b_.CreatePtrToInt(pointer, b_.getInt64Ty()), b_.getInt64(63));
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
  [[noreturn]] void unsupported(const std::string& what) { fail("LLVM backend: function '{}': {}", func_->name, what); }

  void begin_function(llvm::Function* f) {
    entry_ = llvm::BasicBlock::Create(ctx_, "entry", f);
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "body", f));
    llvm::IRBuilder<> at_entry(entry_);
    at_entry.CreateBr(b_.GetInsertBlock());
  }

  llvm::Type* type(DataType t) {
    if (t.lanes() != 1) return llvm::FixedVectorType::get(type(t.element_of()), static_cast<unsigned>(t.lanes()));
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
    if (it == vars_.end()) unsupported(fmt::format("variable '{}' is used outside its loop or let", v->name));
    return it->second;
  }
  llvm::Value* buffer(const Buffer& buf) {
    auto it = buffers_.find(buf.get());
    if (it == buffers_.end()) unsupported(fmt::format("buffer '{}' is used outside its allocation", buf->name));
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
    if (t.is_bool()) unsupported(fmt::format("a vector load from bool buffer '{}'", l->buffer->name));
    llvm::Align align(static_cast<uint64_t>(t.element_of().bytes()));
    if (const RampNode* ramp = contiguous(l->indices)) {
      return b_.CreateAlignedLoad(type(t), b_.CreateInBoundsGEP(storage(t.element_of()), buffer(l->buffer), expr(ramp->base)), align);
    }
    llvm::Value* pointers = address(l->buffer, l->indices);
    return b_.CreateMaskedGather(type(t), pointers, align, llvm::Constant::getAllOnesValue(type(DataType::boolean().with_lanes(t.lanes()))));
  }
  void vector_store(const BufferStoreNode* st) {
    DataType t = st->value.dtype();
    if (t.is_bool()) unsupported(fmt::format("a vector store to bool buffer '{}'", st->buffer->name));
    llvm::Align align(static_cast<uint64_t>(t.element_of().bytes()));
    llvm::Value* v = expr(st->value);
    if (const RampNode* ramp = contiguous(st->indices)) {
      b_.CreateAlignedStore(v, b_.CreateInBoundsGEP(storage(t.element_of()), buffer(st->buffer), expr(ramp->base)), align);
      return;
    }
    b_.CreateMaskedScatter(v, address(st->buffer, st->indices), align, llvm::Constant::getAllOnesValue(type(DataType::boolean().with_lanes(t.lanes()))));
  }

  llvm::Value* cast(llvm::Value* v, DataType from, DataType to) {
    if (from == to) return v;
    llvm::Type* t = type(to);
    if (to.is_bool()) return from.is_floating() ? b_.CreateFCmpUNE(v, llvm::ConstantFP::get(v->getType(), 0.0)) : b_.CreateICmpNE(v, llvm::ConstantInt::get(v->getType(), 0));
    if (from.is_floating() && to.is_floating()) return b_.CreateFPCast(v, t);
    if (from.is_floating()) return to.is_int() ? b_.CreateFPToSI(v, t) : b_.CreateFPToUI(v, t);
    if (to.is_floating()) return from.is_int() ? b_.CreateSIToFP(v, t) : b_.CreateUIToFP(v, t);
    return b_.CreateIntCast(v, t, from.is_int());
  }

  llvm::Value* expr(const Expr& e) {
    DataType t = e.dtype();
    switch (e.kind()) {
      case ExprKind::kIntImm: return llvm::ConstantInt::get(type(t), static_cast<uint64_t>(e.as<IntImmNode>()->value), t.is_int());
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
        for (int k = 0; k < r->lanes; ++k) steps.push_back(llvm::ConstantInt::get(type(t.element_of()), static_cast<uint64_t>(k), true));
        llvm::Value* base = b_.CreateVectorSplat(static_cast<unsigned>(r->lanes), expr(r->base));
        llvm::Value* stride = b_.CreateVectorSplat(static_cast<unsigned>(r->lanes), expr(r->stride));
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
      case ExprKind::kDiv: return fp ? b_.CreateFDiv(x, y) : sign ? b_.CreateSDiv(x, y) : b_.CreateUDiv(x, y);
      case ExprKind::kMod: return fp ? b_.CreateFRem(x, y) : sign ? b_.CreateSRem(x, y) : b_.CreateURem(x, y);
      case ExprKind::kFloorDiv: {
        if (fp) return unary_intrinsic(llvm::Intrinsic::floor, b_.CreateFDiv(x, y));
        if (!sign) return b_.CreateUDiv(x, y);
        llvm::Value* q = b_.CreateSDiv(x, y);
        llvm::Value* r = b_.CreateSRem(x, y);
        llvm::Value* zero = llvm::ConstantInt::get(x->getType(), 0);
        llvm::Value* adjust = b_.CreateAnd(b_.CreateICmpNE(r, zero), b_.CreateXor(b_.CreateICmpSLT(r, zero), b_.CreateICmpSLT(y, zero)));
        return b_.CreateSub(q, b_.CreateZExt(adjust, x->getType()));
      }
      case ExprKind::kFloorMod: {
        if (fp) unsupported("floormod of floats");
        if (!sign) return b_.CreateURem(x, y);
        llvm::Value* r = b_.CreateSRem(x, y);
        llvm::Value* zero = llvm::ConstantInt::get(x->getType(), 0);
        llvm::Value* adjust = b_.CreateAnd(b_.CreateICmpNE(r, zero), b_.CreateXor(b_.CreateICmpSLT(r, zero), b_.CreateICmpSLT(y, zero)));
        return b_.CreateSelect(adjust, b_.CreateAdd(r, y), r);
      }
      // The interpreter's min/max: the first operand unless the second is strictly smaller/greater.
      case ExprKind::kMin: return b_.CreateSelect(fp ? b_.CreateFCmpOLT(y, x) : sign ? b_.CreateICmpSLT(y, x) : b_.CreateICmpULT(y, x), y, x);
      case ExprKind::kMax: return b_.CreateSelect(fp ? b_.CreateFCmpOGT(y, x) : sign ? b_.CreateICmpSGT(y, x) : b_.CreateICmpUGT(y, x), y, x);
      case ExprKind::kEQ: return fp ? b_.CreateFCmpOEQ(x, y) : b_.CreateICmpEQ(x, y);
      case ExprKind::kNE: return fp ? b_.CreateFCmpUNE(x, y) : b_.CreateICmpNE(x, y);
      case ExprKind::kLT: return fp ? b_.CreateFCmpOLT(x, y) : sign ? b_.CreateICmpSLT(x, y) : b_.CreateICmpULT(x, y);
      case ExprKind::kLE: return fp ? b_.CreateFCmpOLE(x, y) : sign ? b_.CreateICmpSLE(x, y) : b_.CreateICmpULE(x, y);
      case ExprKind::kGT: return fp ? b_.CreateFCmpOGT(x, y) : sign ? b_.CreateICmpSGT(x, y) : b_.CreateICmpUGT(x, y);
      case ExprKind::kGE: return fp ? b_.CreateFCmpOGE(x, y) : sign ? b_.CreateICmpSGE(x, y) : b_.CreateICmpUGE(x, y);
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
    llvm::FunctionCallee f = module_.getOrInsertFunction(n, llvm::FunctionType::get(scalar, {scalar}, false));
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
        {"exp", llvm::Intrinsic::exp},     {"log", llvm::Intrinsic::log},   {"sqrt", llvm::Intrinsic::sqrt},
        {"floor", llvm::Intrinsic::floor}, {"ceil", llvm::Intrinsic::ceil}, {"round", llvm::Intrinsic::nearbyint},
        {"abs", llvm::Intrinsic::fabs}};
    if (auto it = kUnary.find(op->op); it != kUnary.end()) return unary_intrinsic(it->second, args[0]);
    if (op->op == "tanh" || op->op == "erf") return libm(op->op, args[0]);
    if (op->op == "sigmoid") {
      llvm::Value* one = llvm::ConstantFP::get(args[0]->getType(), 1.0);
      return b_.CreateFDiv(one, b_.CreateFAdd(one, unary_intrinsic(llvm::Intrinsic::exp, b_.CreateFNeg(args[0]))));
    }
    if (op->op == "pow" || op->op == "fma") {
      llvm::Function* f = llvm::Intrinsic::getDeclaration(&module_, op->op == "pow" ? llvm::Intrinsic::pow : llvm::Intrinsic::fma, {args[0]->getType()});
      return b_.CreateCall(f, args);
    }
    unsupported(fmt::format("target intrinsic '{}'", op->op));
  }

  // Loop metadata asking LLVM for vectorization at `width` or full unrolling.
  void annotate_loop(llvm::BranchInst* backedge, ForKind kind, int64_t width) {
    if (kind != ForKind::kVectorized && kind != ForKind::kUnrolled) return;
    std::vector<llvm::Metadata*> ops{nullptr};
    if (kind == ForKind::kVectorized) {
      ops.push_back(llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, "llvm.loop.vectorize.enable"),
                                             llvm::ConstantAsMetadata::get(b_.getTrue())}));
      if (width > 1) {
        ops.push_back(llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, "llvm.loop.vectorize.width"),
                                               llvm::ConstantAsMetadata::get(b_.getInt32(static_cast<uint32_t>(std::min<int64_t>(width, 64))))}));
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
    for (size_t i = 0; i < values.size(); ++i) b_.CreateStore(values[i], b_.CreateStructGEP(closure_type, closure, static_cast<unsigned>(i)));

    llvm::Type* ptr = llvm::PointerType::get(ctx_, 0);
    const std::string base = fmt::format("{}_parallel_{}", func_->name, parallel_count_++);
    // The pool calls `base`(begin, end, closure), which unpacks the closure into the
    // arguments of `base_body`, whose buffer parameters are noalias (a pointer loaded
    // from a struct would tell LLVM nothing, and its loops would not vectorize).
    std::vector<llvm::Type*> impl_params{b_.getInt64Ty(), b_.getInt64Ty()};
    impl_params.insert(impl_params.end(), fields.begin(), fields.end());
    llvm::Function* impl = llvm::Function::Create(llvm::FunctionType::get(b_.getVoidTy(), impl_params, false),
                                                  llvm::Function::InternalLinkage, base + "_body", module_);
    for (size_t i = 0; i < bufs.size(); ++i) impl->addParamAttr(static_cast<unsigned>(2 + vars.size() + i), llvm::Attribute::NoAlias);
    auto* body_type = llvm::FunctionType::get(b_.getVoidTy(), {b_.getInt64Ty(), b_.getInt64Ty(), ptr}, false);
    llvm::Function* body = llvm::Function::Create(body_type, llvm::Function::InternalLinkage, base, module_);
    llvm::BasicBlock* resume = b_.GetInsertBlock();
    {
      llvm::IRBuilder<> unpack(llvm::BasicBlock::Create(ctx_, "entry", body));
      std::vector<llvm::Value*> args{body->getArg(0), body->getArg(1)};
      for (size_t i = 0; i < values.size(); ++i) {
        args.push_back(unpack.CreateLoad(fields[i], unpack.CreateStructGEP(closure_type, body->getArg(2), static_cast<unsigned>(i))));
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
      if (i < vars.size()) vars_[vars[i].first] = v;
      else if (i < vars.size() + bufs.size()) buffers_[bufs[i - vars.size()].first] = v;
      else min = v;
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
        "tessera_parallel_for", llvm::FunctionType::get(b_.getVoidTy(), {b_.getInt64Ty(), ptr, ptr}, false));
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
        if (f->for_kind == ForKind::kThreadBinding) unsupported(fmt::format("loop '{}' is bound to {} (a GPU schedule)", f->loop_var.name(), f->thread_tag));
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
        auto* else_bb = x->else_case.defined() ? llvm::BasicBlock::Create(ctx_, "if.else", fn) : nullptr;
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
        if (!size) unsupported(fmt::format("allocation of '{}' is not a flattened constant size", buf->name));
        llvm::Type* elem = storage(buf->dtype);
        const int64_t bytes = std::max<int64_t>(*size, 1) * buf->dtype.bytes();
        // Small buffers on the stack of the function running them (a parallel body's own
        // stack, so per thread), large ones from the heap; both 64-byte aligned.
        if (bytes <= 16384) {
          llvm::IRBuilder<> at_entry(entry_, entry_->begin());
          llvm::AllocaInst* p = at_entry.CreateAlloca(elem, at_entry.getInt64(static_cast<uint64_t>(std::max<int64_t>(*size, 1))), buf->name);
          p->setAlignment(llvm::Align(64));
          buffers_[buf.get()] = p;
          stmt(a->body);
        } else {
          llvm::Type* ptr = llvm::PointerType::get(ctx_, 0);
          llvm::FunctionCallee alloc = module_.getOrInsertFunction("aligned_alloc", llvm::FunctionType::get(ptr, {b_.getInt64Ty(), b_.getInt64Ty()}, false));
          llvm::FunctionCallee release = module_.getOrInsertFunction("free", llvm::FunctionType::get(b_.getVoidTy(), {ptr}, false));
          llvm::Value* p = b_.CreateCall(alloc, {b_.getInt64(64), b_.getInt64(static_cast<uint64_t>((bytes + 63) / 64 * 64))}, buf->name);
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

}  // namespace

struct LLVMModule::State {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::string ir, cpu;
};

namespace {

// The generated functions in one module, verified and optimised for the host CPU.
struct OptimizedModule {
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module;
  std::optional<llvm::orc::JITTargetMachineBuilder> jtmb;
  std::unique_ptr<llvm::TargetMachine> tm;
};

// The machine to generate code for: this one (with every feature it has) for `native`
// or the host's own name, otherwise the named CPU (its features implied by the name).
llvm::orc::JITTargetMachineBuilder machine_for(const Target& target) {
  if (target.kind != "llvm") fail("LLVM backend: target '{}' is not an llvm target", target.str());
  if (target.cpu == "native" || target.cpu == host_cpu_name()) return unwrap(llvm::orc::JITTargetMachineBuilder::detectHost(), "detecting the host");
  const std::string triple = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target* llvm_target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (llvm_target == nullptr) fail("LLVM backend: no target for {}: {}", triple, error);
  // Checked here, before LLVM itself would only warn and ignore the name.
  std::unique_ptr<llvm::MCSubtargetInfo> info(llvm_target->createMCSubtargetInfo(triple, "", ""));
  if (info == nullptr || !info->isCPUStringValid(target.cpu)) {
    fail("LLVM backend: target '{}': LLVM knows no CPU '{}' (for example native, znver4, skylake-avx512, haswell)", target.str(), target.cpu);
  }
  llvm::orc::JITTargetMachineBuilder jtmb{llvm::Triple(triple)};
  jtmb.setCPU(target.cpu);
  return jtmb;
}

}  // namespace

namespace {

OptimizedModule build_optimized(const std::vector<PrimFunc>& lowered, int opt_level, bool position_independent, const Target& target) {
  initialize_llvm();
  OptimizedModule out;
  out.context = std::make_unique<llvm::LLVMContext>();
  // A vectorize request LLVM cannot honour (an outer loop) is a remark, not an error:
  // keep it out of the user's terminal.
  struct Quiet : llvm::DiagnosticHandler {
    bool handleDiagnostics(const llvm::DiagnosticInfo& info) override { return info.getSeverity() != llvm::DS_Error; }
  };
  out.context->setDiagnosticHandler(std::make_unique<Quiet>());
  out.module = std::make_unique<llvm::Module>("tessera", *out.context);
  llvm::Module& module = *out.module;
  for (const PrimFunc& f : lowered) FunctionBuilder(f, module).build();
  std::string errors;
  llvm::raw_string_ostream error_stream(errors);
  if (llvm::verifyModule(module, &error_stream)) fail("LLVM backend: the generated module is invalid (a tessera bug): {}", errors);

  out.jtmb = machine_for(target);
  out.jtmb->setCodeGenOptLevel(opt_level >= 2 ? llvm::CodeGenOptLevel::Aggressive : llvm::CodeGenOptLevel::Default);
  if (position_independent) out.jtmb->setRelocationModel(llvm::Reloc::PIC_);
  out.tm = unwrap(out.jtmb->createTargetMachine(), "creating the target machine");
  llvm::TargetMachine* tm = out.tm.get();
  module.setDataLayout(tm->createDataLayout());
  module.setTargetTriple(tm->getTargetTriple().str());
  for (llvm::Function& f : module) {
    if (f.isDeclaration()) continue;
    f.addFnAttr("target-cpu", tm->getTargetCPU());
    f.addFnAttr("target-features", tm->getTargetFeatureString());
  }
  if (opt_level > 0) {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PipelineTuningOptions tuning;
    tuning.LoopVectorization = true;
    tuning.SLPVectorization = true;
    // Pass timing and tracing for TESSERA_LLVM_OPTIONS (-time-passes, -print-after=...).
    llvm::PassInstrumentationCallbacks instrumentation;
    std::optional<llvm::StandardInstrumentations> standard;
    if (std::getenv("TESSERA_LLVM_OPTIONS") != nullptr) {
      standard.emplace(*out.context, /*DebugLogging=*/false);
      standard->registerCallbacks(instrumentation, &mam);
    }
    llvm::PassBuilder pb(tm, tuning, std::nullopt, &instrumentation);
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    llvm::OptimizationLevel level = opt_level >= 3 ? llvm::OptimizationLevel::O3 : opt_level == 2 ? llvm::OptimizationLevel::O2 : llvm::OptimizationLevel::O1;
    llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(level);
    mpm.run(module, mam);
  }
  return out;
}

void write_file(const std::string& path, const llvm::SmallVectorImpl<char>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) fail("cannot write {}", path);
}

// The directory of the loaded libtessera, whose thread pool a shared library's parallel
// loops call.
std::string libtessera_directory() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&tessera_parallel_for), &info) == 0 || info.dli_fname == nullptr) {
    fail("LLVM backend: cannot find where libtessera is loaded from");
  }
  return std::filesystem::absolute(info.dli_fname).parent_path().string();
}

}  // namespace

LLVMModule LLVMModule::compile(const std::vector<PrimFunc>& lowered, int opt_level, const Target& target) {
  CompilationScope building;  // never while a candidate is timed
  OptimizedModule built = build_optimized(lowered, opt_level, /*position_independent=*/false, target);
  auto state = std::make_shared<State>();
  state->cpu = built.tm->getTargetCPU().str();
  {
    llvm::raw_string_ostream os(state->ir);
    built.module->print(os, nullptr);
  }
  state->jit = unwrap(llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*built.jtmb)).create(), "creating the JIT");
  // Generated code calls the thread pool, libm and the allocator from this process.
  llvm::orc::JITDylib& dylib = state->jit->getMainJITDylib();
  dylib.addGenerator(unwrap(llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(state->jit->getDataLayout().getGlobalPrefix()),
                            "searching the process"));
  llvm::orc::SymbolMap runtime;
  runtime[state->jit->mangleAndIntern("tessera_parallel_for")] = {llvm::orc::ExecutorAddr::fromPtr(&tessera_parallel_for), llvm::JITSymbolFlags::Exported};
  if (llvm::Error e = dylib.define(llvm::orc::absoluteSymbols(std::move(runtime)))) fail("LLVM backend: {}", llvm_message(std::move(e)));
  if (llvm::Error e = state->jit->addIRModule(llvm::orc::ThreadSafeModule(std::move(built.module), std::move(built.context)))) {
    fail("LLVM backend: adding the module: {}", llvm_message(std::move(e)));
  }
  LLVMModule m;
  m.state_ = std::move(state);
  return m;
}

namespace {

// The machine code of the optimised module: assembly text or a position-independent object.
llvm::SmallVector<char, 0> machine_code(const std::vector<PrimFunc>& lowered, bool assembly, int opt_level, const Target& target) {
  OptimizedModule built = build_optimized(lowered, opt_level, /*position_independent=*/true, target);
  llvm::SmallVector<char, 0> bytes;
  llvm::raw_svector_ostream os(bytes);
  llvm::legacy::PassManager pm;
  const auto file_type = assembly ? llvm::CodeGenFileType::AssemblyFile : llvm::CodeGenFileType::ObjectFile;
  if (built.tm->addPassesToEmitFile(pm, os, nullptr, file_type)) fail("LLVM backend: the target machine cannot write this kind of file");
  pm.run(*built.module);
  return bytes;
}

}  // namespace

std::string LLVMModule::assembly(const std::vector<PrimFunc>& lowered, int opt_level, const Target& target) {
  CompilationScope building;  // never while a candidate is timed
  llvm::SmallVector<char, 0> text = machine_code(lowered, /*assembly=*/true, opt_level, target);
  return std::string(text.begin(), text.end());
}

void LLVMModule::write(const std::vector<PrimFunc>& lowered, OutputKind kind, const std::string& path, int opt_level, const Target& target) {
  check_parent_directory(path);
  CompilationScope building;  // never while a candidate is timed
  llvm::SmallVector<char, 0> bytes = machine_code(lowered, kind == OutputKind::kAssembly, opt_level, target);
  if (kind == OutputKind::kAssembly || kind == OutputKind::kObject) return write_file(path, bytes);
  const std::string object = path + ".o";
  write_file(object, bytes);
  std::vector<std::string> command;
  if (kind == OutputKind::kLoadableLibrary) {
    command = {"ld", "-shared", "-o", path, object};
  } else {
    const std::string lib = libtessera_directory();
    command = compiler_from_environment("TESSERA_CC", "cc");
    command.insert(command.end(), {"-shared", "-o", path, object, "-L" + lib, "-Wl,-rpath," + lib, "-ltessera", "-lm"});
  }
  CommandResult r = run_command(command);
  std::error_code ignored;
  std::filesystem::remove(object, ignored);
  if (r.status != 0) {
    fail("LLVM backend: linking the shared library failed (exit status {}):\n{}\ncommand: {}", r.status, r.output.substr(0, 4000),
         command_text(command));
  }
}

TESSERA_CALLS_GENERATED_CODE void LLVMModule::run(const std::string& func, std::vector<NDArray>& args) const {
  auto address = state_->jit->lookup(func + "_packed");
  if (!address) fail("LLVM backend: the module has no function '{}': {}", func, llvm_message(address.takeError()));
  std::vector<void*> pointers;
  for (NDArray& a : args) pointers.push_back(a.data());
  const int status = address->toPtr<int (*)(void**)>()(pointers.data());
  if (status != 0) fail("LLVM backend: argument {} of '{}' is not 64-byte aligned; the kernel did not run", status - 1, func);
}

const std::string& LLVMModule::llvm_ir() const { return state_->ir; }
const std::string& LLVMModule::cpu() const { return state_->cpu; }

}  // namespace tessera
