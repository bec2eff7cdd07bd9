// The TensorFlow C API glue zoo's ops share (rnn_forward.cc, rnn_backward.cc): shape checks, output allocation,
// the Compute entry point and registration.

#ifndef ZOO_NATIVE_OP_GLUE_H_
#define ZOO_NATIVE_OP_GLUE_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "tensorflow/c/kernels.h"
#include "tensorflow/c/ops.h"
#include "tensorflow/c/tf_status.h"
#include "tensorflow/c/tf_tensor.h"

namespace zoo_native {

// Attribute `name` of the op being built; each does nothing once `status` holds a failure.
inline std::string StringAttribute(TF_OpKernelConstruction* ctx, const char* name, TF_Status* status) {
  char value[32] = {0};
  if (TF_GetCode(status) == TF_OK) TF_OpKernelConstruction_GetAttrString(ctx, name, value, sizeof(value) - 1, status);
  return value;
}

inline bool BoolAttribute(TF_OpKernelConstruction* ctx, const char* name, TF_Status* status) {
  TF_Bool value = 0;
  if (TF_GetCode(status) == TF_OK) TF_OpKernelConstruction_GetAttrBool(ctx, name, &value, status);
  return value;
}

// The attributes both RNN ops take: which cell ("lstm", "gru", "simple") and whether products are bfloat16.
struct CellAttributes {
  bool lstm = true;
  bool simple = false;
  bool bfloat16 = false;

  // Gates side by side in the kernels' [., G] matrices: i f g o (LSTM), z r h (GRU), one (simple RNN).
  int gates() const { return lstm ? 4 : simple ? 1 : 3; }
  bool gru() const { return !lstm && !simple; }

  void Read(TF_OpKernelConstruction* ctx, TF_Status* status) {
    const std::string cell = StringAttribute(ctx, "cell", status);
    lstm = cell == "lstm";
    simple = cell == "simple";
    bfloat16 = BoolAttribute(ctx, "bfloat16_products", status);
  }
};

// An op's Create and Delete for its `Attributes`, a struct whose Read(ctx, status) reads them.
template <typename Attributes>
void* CreateAttributes(TF_OpKernelConstruction* ctx) {
  auto* attributes = new Attributes;
  TF_Status* status = TF_NewStatus();
  attributes->Read(ctx, status);
  if (TF_GetCode(status) != TF_OK) TF_OpKernelConstruction_Failure(ctx, status);
  TF_DeleteStatus(status);
  return attributes;
}

template <typename Attributes>
void DeleteAttributes(void* attributes) {
  delete static_cast<Attributes*>(attributes);
}

inline bool HasShape(TF_Tensor* tensor, const std::vector<int64_t>& dims) {
  if (TF_NumDims(tensor) != static_cast<int>(dims.size())) return false;
  for (size_t i = 0; i < dims.size(); ++i)
    if (TF_Dim(tensor, static_cast<int>(i)) != dims[i]) return false;
  return true;
}

// Sets an invalid-argument failure "<op>: <problem>" and returns true, unless `problem` is empty.
inline bool Refused(const char* op, const std::string& problem, TF_Status* status) {
  if (problem.empty()) return false;
  TF_SetStatus(status, TF_INVALID_ARGUMENT, (std::string(op) + ": " + problem).c_str());
  return true;
}

// Allocates float32 outputs 0, 1, ... with `shapes` into `out` (stops at the first failure, in `status`).
inline void AllocateOutputs(TF_OpKernelContext* ctx, const std::vector<std::vector<int64_t>>& shapes, TF_Tensor** out,
                            TF_Status* status) {
  for (size_t i = 0; i < shapes.size() && TF_GetCode(status) == TF_OK; ++i) {
    size_t elements = 1;
    for (int64_t dim : shapes[i]) elements *= dim;
    out[i] = TF_AllocateOutput(ctx, static_cast<int>(i), TF_FLOAT, shapes[i].data(), static_cast<int>(shapes[i].size()),
                               elements * sizeof(float), status);
  }
}

// An op's Compute: reads its `kInputs` inputs, calls run(attributes, inputs, ctx, status), reports a failure.
template <int kInputs, typename Attributes,
          void (*run)(const Attributes&, TF_Tensor* const*, TF_OpKernelContext*, TF_Status*)>
void ComputeOp(void* kernel, TF_OpKernelContext* ctx) {
  TF_Status* status = TF_NewStatus();
  TF_Tensor* in[kInputs] = {nullptr};
  for (int i = 0; i < kInputs && TF_GetCode(status) == TF_OK; ++i) TF_GetInput(ctx, i, &in[i], status);
  if (TF_GetCode(status) == TF_OK) run(*static_cast<const Attributes*>(kernel), in, ctx, status);
  if (TF_GetCode(status) != TF_OK) TF_OpKernelContext_Failure(ctx, status);
  for (auto* tensor : in) if (tensor) TF_DeleteTensor(tensor);
  TF_DeleteStatus(status);
}

inline void UnknownShapes(TF_ShapeInferenceContext* ctx, TF_Status* status) {
  TF_ShapeInferenceContextSetUnknownShape(ctx, status);
}

// Registers op `name` ("input: type", "output: type", "attr: type = default" specs) with its CPU kernel.
inline bool RegisterOp(const char* name, std::initializer_list<const char*> inputs,
                       std::initializer_list<const char*> outputs, std::initializer_list<const char*> attributes,
                       void* (*create)(TF_OpKernelConstruction*), void (*compute)(void*, TF_OpKernelContext*),
                       void (*destroy)(void*)) {
  TF_Status* status = TF_NewStatus();
  TF_OpDefinitionBuilder* op = TF_NewOpDefinitionBuilder(name);
  for (const char* input : inputs) TF_OpDefinitionBuilderAddInput(op, input);
  for (const char* output : outputs) TF_OpDefinitionBuilderAddOutput(op, output);
  for (const char* attribute : attributes) TF_OpDefinitionBuilderAddAttr(op, attribute);
  TF_OpDefinitionBuilderSetShapeInferenceFunction(op, &UnknownShapes);
  TF_RegisterOpDefinition(op, status);
  if (TF_GetCode(status) == TF_OK) {
    TF_KernelBuilder* builder = TF_NewKernelBuilder(name, "CPU", create, compute, destroy);
    TF_RegisterKernelBuilder(name, builder, status);
  }
  const bool ok = TF_GetCode(status) == TF_OK;
  TF_DeleteStatus(status);
  return ok;
}

}  // namespace zoo_native

#endif  // ZOO_NATIVE_OP_GLUE_H_
