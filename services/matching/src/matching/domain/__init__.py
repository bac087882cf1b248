"""Pure domain logic. The linker's compiled modules are used only when built from these
sources (`matching.native`); this runs before any of them is imported."""

from matching.native import guard

guard()
