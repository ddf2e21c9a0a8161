/* openssl_speed.h: the reference figure benchmarks compare with, from `openssl speed`. */
#ifndef BENCH_OPENSSL_SPEED_H
#define BENCH_OPENSSL_SPEED_H

/* Runs `openssl speed -seconds 1 <alg>` and returns the op/s figure on the output line naming
 * tag (an asymmetric-operation line: "256 bits ecdh (nistp256) 0.0000s 31177.1"); 0 when
 * openssl is missing or prints no such line. */
double openssl_speed_ops(const char *alg, const char *tag);

#endif
