{
  "targets": [
    {
      "target_name": "udp_reuseport",
      "sources": ["src/udp_reuseport.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
