# The Julia half of linnet's HomotopyContinuation.jl engine (linnet_cli/engines/julia.py).
#
# linnet loads this file through juliacall (`Main.include`); it can also be used on its own:
#
#     julia --project=julia
#     julia> include("julia/linnet.jl"); using .LinnetHC
#     julia> X, codes, singular = solve_polyhedral([2, 2, 2], 1, randn(ComplexF64, 12), 1, false)
#
# Written against HomotopyContinuation.jl v2 (HC.jl; compat "2.15" in julia/Project.toml). Every
# HC.jl call below names the v2 source file whose code and docstring it follows.
#
# Inputs are plain arrays (numpy arrays arrive from Python as PythonCall.PyArray, an
# AbstractArray), integers and booleans; outputs are tuples of plain arrays, strings and integers,
# so that the Python side needs no knowledge of HC.jl's types. Points are matrix rows.
module LinnetHC

using HomotopyContinuation

export gradient_system, parameter_names, solve_polyhedral, track_parameters, monodromy_torus,
    mixed_volume_of, versions

# ---------------------------------------------------------------------------------------------
# The gradient system

# Systems by (widths, m): ModelKit compiles each System once per session.
const SYSTEMS = Dict{Tuple{Vector{Int},Int},System}()

rowmajor(M::AbstractMatrix) = vec(permutedims(M))

named(prefix::AbstractString, rows::Integer, cols::Integer) =
    [Variable(Symbol(prefix, "_", r, "_", c)) for r = 1:rows, c = 1:cols]

# A product of two matrices of symbolic expressions, written out (no reliance on generic matmul).
matmul(A::AbstractMatrix, B::AbstractMatrix) =
    [sum(A[i, k] * B[k, j] for k in axes(A, 2)) for i in axes(A, 1), j in axes(B, 2)]

"""
    gradient_system(widths, m) -> System

The gradient of L(W) = ½‖W_{H+1}⋯W_1 X − Y‖² + ½ Σ λ_k w_k² as an HC.jl `System` with the data
and the regularization as parameters (ModelKit, src/model_kit/symbolic.jl: `Variable(::Symbol)`,
`differentiate(expr, vars)`, `System(exprs; variables, parameters)`).

Variables, in linnet's flat weight order (W_1 first, each matrix row-major): `w<l>_<r>_<c>`
(layer l, row r, column c, 1-based). Parameters, in this order: X (d_x × m) row-major as
`x_<a>_<b>`, Y (d_y × m) row-major as `y_<a>_<b>`, then one regularization constant per weight,
`lam<l>_<r>_<c>`, in the weight order. linnet_cli/engines/julia.py packs parameter vectors the
same way (`pack_parameters`).
"""
function gradient_system(widths::AbstractVector{<:Integer}, m::Integer)
    key = (Int[w for w in widths], Int(m))
    return get!(() -> build_system(key...), SYSTEMS, key)
end

function build_system(widths::Vector{Int}, m::Int)
    L = length(widths) - 1
    L >= 1 || throw(ArgumentError("a network needs an input and an output width"))
    W = [named("w$l", widths[l+1], widths[l]) for l = 1:L]
    Λ = [named("lam$l", widths[l+1], widths[l]) for l = 1:L]
    X = named("x", widths[1], m)
    Y = named("y", widths[end], m)
    P = W[1]
    for l = 2:L
        P = matmul(W[l], P)
    end
    PX = matmul(P, X)
    residual = [PX[a, b] - Y[a, b] for a in axes(Y, 1), b in axes(Y, 2)]
    loss = sum(r -> r^2, residual) / 2 +
           sum(l -> sum(Λ[l][i] * W[l][i]^2 for i in eachindex(W[l])), 1:L) / 2
    vars = reduce(vcat, [rowmajor(Wl) for Wl in W])
    params = vcat(rowmajor(X), rowmajor(Y), reduce(vcat, [rowmajor(Λl) for Λl in Λ]))
    return System(differentiate(loss, vars); variables = vars, parameters = params)
end

"""
    parameter_names(widths, m) -> Vector{String}

The parameter names of `gradient_system(widths, m)` in order (for checking the layout).
"""
parameter_names(widths::AbstractVector{<:Integer}, m::Integer) =
    [string(p) for p in parameters(gradient_system(widths, m))]

# ---------------------------------------------------------------------------------------------
# Results as plain arrays

"""
    endpoint_table(path_results, N) -> (X, codes, singular)

One row of `X` (K × N, ComplexF64) per path, the return code of each path as a string and
whether it ended at a singular solution (src/path_result.jl: `solution`, the `return_code`
field, `is_success`, `is_singular`). Rows of paths whose endpoint has the wrong length are NaN.
"""
function endpoint_table(prs::AbstractVector, N::Integer)
    K = length(prs)
    X = zeros(ComplexF64, K, N)
    codes = Vector{String}(undef, K)
    singular = zeros(Bool, K)
    for (i, r) in enumerate(prs)
        x = solution(r)
        if length(x) == N
            X[i, :] .= x
        else
            X[i, :] .= NaN
        end
        codes[i] = string(r.return_code)
        singular[i] = is_success(r) && is_singular(r)
    end
    return X, codes, singular
end

complex_vector(p::AbstractVector) = ComplexF64[z for z in p]
complex_rows(A::AbstractMatrix) = [ComplexF64[A[i, j] for j in axes(A, 2)] for i in axes(A, 1)]

# ---------------------------------------------------------------------------------------------
# Solving

"""
    solve_polyhedral(widths, m, p0, seed, threading) -> (X, codes, singular)

All isolated solutions at the parameters `p0` from a polyhedral start system: one path per unit
of the mixed volume of the supports with the origin added where a polynomial has no constant term
(src/solve.jl: `solve(F; target_parameters, start_system = :polyhedral)`; src/polyhedral.jl:
`polyhedral(f; only_non_zero = false)` adds the origin). Every path is returned, including those
that diverged (`at_infinity`) or failed (src/result.jl: `path_results`).
"""
function solve_polyhedral(widths::AbstractVector{<:Integer}, m::Integer, p0::AbstractVector,
                          seed::Integer, threading::Bool)
    F = gradient_system(widths, m)
    R = solve(F; target_parameters = complex_vector(p0), start_system = :polyhedral,
              seed = UInt32(seed), threading = threading, show_progress = false,
              catch_interrupt = false)
    return endpoint_table(path_results(R), size(F, 2))
end

"""
    track_parameters(widths, m, starts, p0, targets, seed, threading, conservative)
        -> (X, codes, singular)

Parameter homotopies from the solutions `starts` (rows) at `p0` to every row of `targets`, in one
call (src/solve.jl: `solve(F, starts; start_parameters, target_parameters = [p1, p2, ...],
transform_result)`, which tracks the targets one after the other and returns one `Result` per
target, in order). The rows of `X` are target-major: row (j-1)K + i is path i to target j.
`conservative` selects HC.jl's conservative tracker parameters
(`TrackerOptions(parameters = :conservative)`, src/tracker.jl), used to retrack paths whose
endpoints coincided (path jumping).
"""
function track_parameters(widths::AbstractVector{<:Integer}, m::Integer, starts::AbstractMatrix,
                          p0::AbstractVector, targets::AbstractMatrix, seed::Integer,
                          threading::Bool, conservative::Bool)
    F = gradient_system(widths, m)
    N = size(F, 2)
    S = complex_rows(starts)
    P = complex_rows(targets)
    K, T = length(S), length(P)
    X = zeros(ComplexF64, T * K, N)
    codes = fill("not_tracked", T * K)
    singular = zeros(Bool, T * K)
    if K == 0 || T == 0
        return X, codes, singular
    end
    options = conservative ? TrackerOptions(parameters = :conservative) : TrackerOptions()
    rs = solve(F, S; start_parameters = complex_vector(p0), target_parameters = P,
               transform_result = (R, p) -> R, seed = UInt32(seed), tracker_options = options,
               threading = threading, show_progress = false, catch_interrupt = false)
    length(rs) == T ||
        error("HomotopyContinuation.jl returned $(length(rs)) results for $T targets")
    for (j, R) in enumerate(rs)
        prs = path_results(R)
        length(prs) == K ||
            error("HomotopyContinuation.jl returned $(length(prs)) paths for $K start solutions")
        Xj, cj, sj = endpoint_table(prs, N)
        rows = ((j-1)*K+1):(j*K)
        X[rows, :] .= Xj
        codes[rows] .= cj
        singular[rows] .= sj
    end
    return X, codes, singular
end

"""
    monodromy_torus(widths, m, w0, p0, seed, threading, max_loops_no_progress)
        -> (X, codes, singular, return_code, tracked_loops, failed_loops)

Solutions over `p0` reached by monodromy from the start pair (`w0`, `p0`): loops
p0 → p1 → p2 → p0 through random complex parameters, until `max_loops_no_progress` loops in a
row found nothing new (src/monodromy.jl: `monodromy_solve(F, [w0], p0; max_loops_no_progress)`,
`results`, the `returncode` and `statistics` fields of `MonodromyResult`).
"""
function monodromy_torus(widths::AbstractVector{<:Integer}, m::Integer, w0::AbstractVector,
                         p0::AbstractVector, seed::Integer, threading::Bool,
                         max_loops_no_progress::Integer)
    F = gradient_system(widths, m)
    MR = monodromy_solve(F, [complex_vector(w0)], complex_vector(p0);
                         seed = UInt32(seed), threading = threading, show_progress = false,
                         catch_interrupt = false,
                         max_loops_no_progress = Int(max_loops_no_progress))
    X, codes, singular = endpoint_table(results(MR), size(F, 2))
    stats = MR.statistics
    return X, codes, singular, string(MR.returncode), Int(stats.tracked_loops[]),
           Int(stats.tracking_failures[])
end

"""
    mixed_volume_of(points, counts) -> Int

The mixed volume of the supports stacked in `points` (one exponent vector per row; the first
`counts[1]` rows are the first support, and so on), by MixedSubdivisions.jl's tropical algorithm
as re-exported by HC.jl (src/polyhedral.jl: `using MixedSubdivisions: mixed_volume`; it takes one
`Matrix{Int32}` per support with the exponent vectors as columns).
"""
function mixed_volume_of(points::AbstractMatrix, counts::AbstractVector)
    A = Int32[points[i, j] for i in axes(points, 1), j in axes(points, 2)]
    supports = Matrix{Int32}[]
    lo = 1
    for c in counts
        hi = lo + Int(c) - 1
        push!(supports, permutedims(A[lo:hi, :]))
        lo = hi + 1
    end
    return Int(mixed_volume(supports; show_progress = false))
end

"""
    versions() -> (julia, homotopycontinuation, threads)
"""
function versions()
    hc = pkgversion(HomotopyContinuation)
    return string(VERSION), hc === nothing ? "unknown" : string(hc), Threads.nthreads()
end

end # module
