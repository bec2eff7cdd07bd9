"""The note a recipe prints when mixed_bfloat16 cannot be faster: the CPU's bfloat16 dot products, read from its
flags (zoo.cpu)."""

import pytest

from zoo.cpu import cpu_model
from zoo.precision import cpu_multiplies_bfloat16, precision_warning

ICE_LAKE = "model name\t: Intel(R) Xeon(R) Processor @ 2.80GHz\nflags\t\t: fpu vme sse sse2 avx avx2 avx512f avx512bw avx512_vnni avx512_vbmi2\n"
ZEN_4 = "flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni\n"
SAPPHIRE_RAPIDS = "flags\t\t: fpu avx512f amx_bf16 amx_tile amx_int8\n"
NEOVERSE_V1 = "Features\t: fp asimd aes sha2 crc32 atomics bf16 i8mm sve\n"


@pytest.mark.parametrize("cpuinfo, expected", [(ICE_LAKE, False), (ZEN_4, True), (SAPPHIRE_RAPIDS, True),
                                               (NEOVERSE_V1, True)])
def test_the_cpu_flags_tell_whether_it_multiplies_bfloat16(tmp_path, cpuinfo, expected):
    path = tmp_path / "cpuinfo"
    path.write_text("processor\t: 0\n" + cpuinfo)
    assert cpu_multiplies_bfloat16(str(path)) is expected


def test_unreadable_flags_are_unknown_and_give_no_note(tmp_path):
    missing = str(tmp_path / "missing")
    assert cpu_multiplies_bfloat16(missing) is None
    assert precision_warning("mixed_bfloat16", missing) is None


def test_the_note_is_given_for_mixed_bfloat16_on_a_cpu_without_bfloat16_products_only(tmp_path):
    without, with_bf16 = tmp_path / "without", tmp_path / "with"
    without.write_text(ICE_LAKE)
    with_bf16.write_text(ZEN_4)
    note = precision_warning("mixed_bfloat16", str(without))
    assert "no bfloat16 dot products" in note and "float32 is faster" in note
    assert precision_warning("mixed_bfloat16", str(with_bf16)) is None
    assert precision_warning("float32", str(without)) is None
    assert precision_warning("mixed_float16", str(without)) is None


def test_the_note_names_the_cpu_by_its_model(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(ICE_LAKE)
    assert cpu_model(str(path)) == "Intel(R) Xeon(R) Processor @ 2.80GHz"
    assert "(Intel(R) Xeon(R) Processor @ 2.80GHz)" in precision_warning("mixed_bfloat16", str(path))
    assert cpu_model(str(tmp_path / "missing"))  # platform's name of the machine where the kernel does not say
