"""The Julia half of linnet's HomotopyContinuation.jl engine, shipped as package data (linnet.jl, Project.toml)."""
