//! Captures (pcap, pcapng) read into the checker; see `synack check`.
