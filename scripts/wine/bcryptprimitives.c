/*
 * A stand-in for bcryptprimitives.dll, for running pml's Windows builds under Wine 8 (Debian 12).
 *
 * Rust's standard library (1.78 and later) takes its random bytes from ProcessPrng in
 * bcryptprimitives.dll, which Windows 10 and later have and Wine before 9.0 lacks: the loader
 * refuses the program (status c0000135) before main. This DLL exports ProcessPrng over
 * RtlGenRandom (advapi32's SystemFunction036), which every Wine has. It is built by
 * scripts/wine/build-stub.sh and placed beside the .exe files under test; it is never shipped.
 */
#include <windows.h>

/* RtlGenRandom, exported by advapi32.dll under this name. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* Fills `data` with `length` random bytes; TRUE always, as Windows documents it. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG part = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, part)) {
            return FALSE;
        }
        data += part;
        length -= part;
    }
    return TRUE;
}
