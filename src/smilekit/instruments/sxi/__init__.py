"""The Soft X-ray Imager: line-of-sight imaging, the instrument model, photon events (L1) and images (L2)."""
