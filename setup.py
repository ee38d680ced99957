"""The optional compiled kernel, ``pytest_linreg._eft_kernel``; all other metadata is in
pyproject.toml.

The kernel only makes the refinement's residuals faster: where it cannot be compiled (no C
compiler), the install goes on with a warning and :mod:`pytest_linreg._extended` uses its numpy
code, which gives the same results bit for bit.
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildKernel(build_ext):
    """Compile without floating-point contraction: error-free transformations need every
    product and sum rounded on its own (a compiler-contracted FMA would make Dekker's error
    term and TwoSum's wrong; the kernel's deliberate FMA is exact)."""

    def build_extensions(self) -> None:
        if self.compiler.compiler_type == "msvc":
            # /fp:precise contracts nothing unless /fp:contract is given (MSVC 2022); the
            # kernel's FMA variant is GCC/clang-only, so MSVC builds use Dekker's products.
            flags = ["/O2", "/fp:precise"]
        else:
            flags = ["-O3", "-ffp-contract=off", "-fno-fast-math"]
        for extension in self.extensions:
            extension.extra_compile_args = flags
        super().build_extensions()


setup(
    ext_modules=[
        Extension(
            "pytest_linreg._eft_kernel",
            sources=["pytest_linreg/_eft_kernel.c"],
            optional=True,
        )
    ],
    cmdclass={"build_ext": BuildKernel},
)
