// hearth info FILE: a GGUF file's header, metadata and tensor table.
#include <map>

#include "apps/hearth/commands.h"
#include "formats/gguf.h"

namespace hearth::cli {

Runner add_info(CLI::App& app) {
    auto* command = app.add_subcommand("info", "Print a GGUF file's architecture, metadata and tensors");
    auto path = std::make_shared<std::string>();
    auto all_tensors = std::make_shared<bool>(false);
    command->add_option("file", *path, "GGUF file")->required();
    command->add_flag("--all", *all_tensors, "List every tensor (default: the first 40)");
    return [path, all_tensors]() {
        auto file = gguf::File::open(*path);
        if (!file.ok()) {
            fmt::print(stderr, "error: {}\n", file.error().message);
            return 1;
        }
        const gguf::File& gguf = *file;
        auto arch = gguf.get_string("general.architecture");
        fmt::print("file:          {}\n", *path);
        fmt::print("gguf version:  {}\n", gguf.version());
        fmt::print("architecture:  {}\n", arch.ok() ? std::string(*arch) : "(none: vocabulary only?)");
        fmt::print("size:          {} bytes ({} in tensors)\n", gguf.file_size(), gguf.tensor_bytes());
        fmt::print("alignment:     {}\n", gguf.alignment());

        fmt::print("\nmetadata ({} keys):\n", gguf.metadata().size());
        for (const gguf::MetadataEntry& entry : gguf.metadata()) {
            std::string type = gguf::value_type_name(entry.value.type());
            if (entry.value.is_array())
                type = fmt::format("{}[{}]", gguf::value_type_name(entry.value.array_type()),
                                   entry.value.array_size());
            fmt::print("  {:<44} {:<16} {}\n", entry.key, type, entry.value.to_display_string());
        }

        std::map<std::string_view, std::pair<int, uint64_t>> by_type;
        for (const gguf::TensorInfo& tensor : gguf.tensors()) {
            auto& [count, bytes] = by_type[dtype_name(tensor.type)];
            ++count;
            bytes += tensor.n_bytes;
        }
        fmt::print("\ntensors ({}):", gguf.tensors().size());
        for (const auto& [name, stats] : by_type) fmt::print(" {} x {}", stats.first, name);
        fmt::print("\n");
        const size_t shown = *all_tensors ? gguf.tensors().size() : std::min<size_t>(40, gguf.tensors().size());
        for (size_t idx = 0; idx < shown; ++idx) {
            const gguf::TensorInfo& tensor = gguf.tensors()[idx];
            fmt::print("  {:<40} {:<8} {:<22} {:>12} bytes @ {}\n", tensor.name, dtype_name(tensor.type),
                       tensor.shape_string(), tensor.n_bytes, gguf.data_offset() + tensor.offset);
        }
        if (shown < gguf.tensors().size())
            fmt::print("  ... {} more (--all lists them)\n", gguf.tensors().size() - shown);
        return 0;
    };
}

}  // namespace hearth::cli
