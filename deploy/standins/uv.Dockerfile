# Stand-in for the uv image: the uv and uvx binaries of the uv wheel, at / as in the original.
FROM scratch
COPY uv uvx /
