// Thin RAII and attribute/dataset helpers over the HDF5 C API, shared by the
// checkpoint and Keras model files. Private to the mnist_dp_io target: the
// only header that includes <hdf5.h>.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace mnist_dp::hdf5 {

// Owns one HDF5 identifier and closes it with the matching function.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Handle& operator=(Handle&&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// Any HDF5-level failure; callers add the file name.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(herr_t status, const char* what);
hid_t must(hid_t id, const char* what);
// A variable-length string type in character set `cset`; the caller closes it.
hid_t variable_string_type(H5T_cset_t cset);

// ---- writing ----
// Fixed-length byte strings (numpy 'S' arrays, as Keras writes them).
void write_bytes_attr(hid_t obj, const char* name, const std::string& value);
void write_bytes_list_attr(hid_t obj, const char* name, const std::vector<std::string>& values);
template <typename T>
void write_scalar_attr(hid_t obj, const char* name, hid_t type, T value) {
  Handle space(must(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
  Handle attr(must(H5Acreate2(obj, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT), name),
              H5Aclose);
  check(H5Awrite(attr.get(), type, &value), name);
}

void write_dataset(hid_t parent, const std::string& name, hid_t type, const void* data,
                   std::vector<hsize_t> dims);
Handle make_group(hid_t parent, const std::string& name);
// Builds the file in memory (fill(file), HDF5's core driver, nothing on disk),
// seals it when asked (a checksum in its first kSealBytes, see file_seal.hpp)
// and writes it with write_file_atomically. Throws std::runtime_error
// "<path>: cannot write <what>: ..." (IoError for the OS's reasons).
enum class Seal { kNone, kWholeFile };
void write_hdf5_file(const std::string& path, const std::string& what,
                     const std::function<void(hid_t)>& fill, Seal seal = Seal::kNone);

// ---- reading ----
// Opens an existing HDF5 file read-only; Failure if it is not one.
Handle open_for_reading(const std::string& path);
// Opens a whole HDF5 file held in memory (HDF5 copies it) read-only.
Handle open_image_for_reading(std::span<const std::byte> image);
// String attributes, fixed-length or (when allowed) variable-length.
std::string read_string_attr(hid_t obj, const char* name, bool allow_variable_length = true);
std::vector<std::string> read_strings_attr(hid_t obj, const char* name,
                                           bool allow_variable_length = true);
template <typename T>
T read_scalar_attr(hid_t obj, const char* name, hid_t type) {
  if (H5Aexists(obj, name) <= 0) throw Failure(std::string("missing attribute '") + name + "'");
  Handle attr(must(H5Aopen(obj, name, H5P_DEFAULT), name), H5Aclose);
  Handle space(must(H5Aget_space(attr.get()), name), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw Failure(std::string("attribute '") + name + "' is not a single value");
  }
  T value{};
  check(H5Aread(attr.get(), type, &value), name);
  return value;
}

// Reads a whole dataset as `type`; returns its dims through `dims`.
template <typename T>
std::vector<T> read_dataset(hid_t parent, const std::string& name, hid_t type,
                            std::vector<hsize_t>* dims_out = nullptr) {
  if (H5Lexists(parent, name.c_str(), H5P_DEFAULT) <= 0)
    throw Failure("missing dataset '" + name + "'");
  Handle set(must(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), name.c_str()), H5Dclose);
  Handle space(must(H5Dget_space(set.get()), name.c_str()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 2) throw Failure("dataset '" + name + "' has an unexpected rank");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  std::size_t n = 1;
  for (hsize_t d : dims) n *= d;
  if (n > (std::size_t{1} << 30)) throw Failure("dataset '" + name + "' is implausibly large");
  std::vector<T> values(n);
  if (n > 0)
    check(H5Dread(set.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), name.c_str());
  if (dims_out) *dims_out = dims;
  return values;
}

}  // namespace mnist_dp::hdf5
