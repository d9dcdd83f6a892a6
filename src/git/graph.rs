//! A reader for git's commit-graph (`objects/info/commit-graph`, or the chain of layers
//! in `objects/info/commit-graphs/`; git's `gitformat-commit-graph(5)`): each commit's
//! root tree and parents, and the changed-path Bloom filters of `git commit-graph write
//! --changed-paths` (git's `bloom.c`). Only what git itself reads is trusted: anything
//! unexpected makes [`CommitGraph::open`] return `None` (the walk then reads commits),
//! and a filter is only ever used to skip a tree lookup whose answer it proves.
use std::path::{Path, PathBuf};

use git2::Oid;

const SIGNATURE: &[u8] = b"CGPH";
/// SHA-1 ids (hash version 1); other repositories are not read.
const HASH_LEN: usize = 20;
const CDAT_LEN: usize = HASH_LEN + 16;
const PARENT_NONE: u32 = 0x7000_0000;
const EXTRA_EDGES: u32 = 0x8000_0000;
const LAST_EDGE: u32 = 0x8000_0000;
const OIDF: u32 = u32::from_be_bytes(*b"OIDF");
const OIDL: u32 = u32::from_be_bytes(*b"OIDL");
const CDAT: u32 = u32::from_be_bytes(*b"CDAT");
const EDGE: u32 = u32::from_be_bytes(*b"EDGE");
const BIDX: u32 = u32::from_be_bytes(*b"BIDX");
const BDAT: u32 = u32::from_be_bytes(*b"BDAT");
const BASE: u32 = u32::from_be_bytes(*b"BASE");

pub struct CommitGraph {
    /// Base layer first; positions count across layers.
    layers: Vec<Layer>,
    total: u32,
}

struct Layer {
    data: Vec<u8>,
    /// The trailing SHA-1 of the file (verified).
    checksum: [u8; HASH_LEN],
    /// The BASE chunk: checksums of the layers below, base first.
    base_hashes: Vec<[u8; HASH_LEN]>,
    /// Commits in the layers below.
    base: u32,
    count: u32,
    fanout: usize,
    oids: usize,
    cdat: usize,
    /// Offset and number of entries of the extra-edge list (octopus merges).
    edges: (usize, usize),
    bloom: Option<Bloom>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BloomSettings {
    version: u32,
    hashes: u32,
}

struct Bloom {
    index: usize,
    data: usize,
    len: usize,
    settings: BloomSettings,
}

/// The filter keys of one path and of each of its leading directories.
pub struct BloomKeys {
    settings: BloomSettings,
    keys: Vec<Vec<u32>>,
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = d.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn be64(d: &[u8], at: usize) -> Option<u64> {
    let b: [u8; 8] = d.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_be_bytes(b))
}

impl CommitGraph {
    /// Reads the graph of the object directory `objects`: the single file when there
    /// is one (as git), else the chain.
    pub fn open(objects: &Path) -> Option<CommitGraph> {
        let info = objects.join("info");
        let single = info.join("commit-graph");
        // (file, the checksum the chain names it by)
        let files: Vec<(PathBuf, Option<String>)> = if single.is_file() {
            vec![(single, None)]
        } else {
            let dir = info.join("commit-graphs");
            let chain = std::fs::read_to_string(dir.join("commit-graph-chain")).ok()?;
            let mut files = Vec::new();
            for h in chain.lines().map(str::trim).filter(|l| !l.is_empty()) {
                if h.len() != 2 * HASH_LEN || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                files.push((dir.join(format!("graph-{h}.graph")), Some(h.to_string())));
            }
            files
        };
        let mut layers: Vec<Layer> = Vec::with_capacity(files.len());
        let mut total: u32 = 0;
        let mut below: Vec<[u8; HASH_LEN]> = Vec::new();
        for (i, (file, named)) in files.iter().enumerate() {
            let layer = Layer::parse(std::fs::read(file).ok()?, total, i)?;
            // A layer is the file its chain names (its checksum is its name), and it
            // sits on exactly the layers below it (its BASE chunk), as git checks.
            if named.as_deref().is_some_and(|h| *h != hex(&layer.checksum)) {
                return None;
            }
            if layer.base_hashes != below {
                return None;
            }
            below.push(layer.checksum);
            total = total.checked_add(layer.count)?;
            layers.push(layer);
        }
        (!layers.is_empty()).then_some(CommitGraph { layers, total })
    }

    /// The newest layer's checksum in hex: names this graph (a chain's newest layer
    /// names every layer below it through its BASE chunk).
    pub fn id(&self) -> String {
        self.layers
            .last()
            .map(|l| hex(&l.checksum))
            .unwrap_or_default()
    }

    /// Drops the changed-path filters (`commitGraph.readChangedPaths=false`).
    pub fn without_filters(mut self) -> CommitGraph {
        for l in &mut self.layers {
            l.bloom = None;
        }
        self
    }

    /// The position of commit `id`, if the graph holds it.
    pub fn find(&self, id: Oid) -> Option<u32> {
        let key = id.as_bytes();
        self.layers
            .iter()
            .rev()
            .find_map(|l| l.find(key).map(|i| l.base + i))
    }

    fn layer_of(&self, pos: u32) -> Option<(&Layer, usize)> {
        let layer = self
            .layers
            .iter()
            .find(|l| pos >= l.base && pos - l.base < l.count)?;
        Some((layer, (pos - layer.base) as usize))
    }

    /// Commits in the graph (positions are below this).
    pub fn len(&self) -> u32 {
        self.total
    }

    /// Whether the newest layer has changed-path filters.
    pub fn has_filters(&self) -> bool {
        self.layers.last().is_some_and(|l| l.bloom.is_some())
    }

    pub fn oid(&self, pos: u32) -> Option<Oid> {
        let (l, i) = self.layer_of(pos)?;
        let at = l.oids + i * HASH_LEN;
        Oid::from_bytes(l.data.get(at..at + HASH_LEN)?).ok()
    }

    /// Commit time, tree and parent positions of the commit at `pos`.
    pub fn commit(&self, pos: u32) -> Option<(i64, Oid, Vec<u32>)> {
        let (l, i) = self.layer_of(pos)?;
        let at = l.cdat + i * CDAT_LEN;
        let tree = Oid::from_bytes(l.data.get(at..at + HASH_LEN)?).ok()?;
        // 30 bits of generation, then 34 bits of commit time.
        let high = u64::from(be32(&l.data, at + HASH_LEN + 8)? & 3);
        let low = u64::from(be32(&l.data, at + HASH_LEN + 12)?);
        let time = i64::try_from((high << 32) | low).ok()?;
        let (p1, p2) = (
            be32(&l.data, at + HASH_LEN)?,
            be32(&l.data, at + HASH_LEN + 4)?,
        );
        let mut positions: Vec<u32> = Vec::with_capacity(2);
        if p1 != PARENT_NONE {
            positions.push(p1);
            if p2 & EXTRA_EDGES != 0 {
                let mut e = (p2 & !EXTRA_EDGES) as usize;
                loop {
                    if e >= l.edges.1 {
                        return None;
                    }
                    let v = be32(&l.data, l.edges.0 + 4 * e)?;
                    positions.push(v & !LAST_EDGE);
                    if v & LAST_EDGE != 0 {
                        break;
                    }
                    e += 1;
                }
            } else if p2 != PARENT_NONE {
                positions.push(p2);
            }
        }
        if positions.iter().any(|&p| p >= self.total) {
            return None;
        }
        Some((time, tree, positions))
    }

    /// The filter keys for `path` (`/`-separated), or `None` when the graph has no
    /// filters, or they cannot answer for this path (version 1 filters hash bytes
    /// over 0x7f differently: git does not use them for such paths either).
    pub fn keys(&self, path: &Path) -> Option<BloomKeys> {
        let settings = self
            .layers
            .iter()
            .rev()
            .find_map(|l| l.bloom.as_ref())?
            .settings;
        let text = path.to_string_lossy();
        let bytes = text.as_bytes();
        if settings.version != 2 && !bytes.is_ascii() {
            return None;
        }
        let mut keys = vec![key(bytes, settings)];
        for (i, b) in bytes.iter().enumerate().rev() {
            if *b == b'/' && i > 0 {
                keys.push(key(&bytes[..i], settings));
            }
        }
        Some(BloomKeys { settings, keys })
    }

    /// Whether the changed-path filter of the commit at `pos` proves that the path
    /// of `keys` is the same in the commit and in its first parent.
    #[cfg(test)]
    pub fn not_changed(&self, pos: u32, keys: &BloomKeys) -> bool {
        self.filter(pos).is_some_and(|f| f.not_changed(keys))
    }

    /// The changed-path filter of the commit at `pos` (`None`: none, or empty).
    pub fn filter(&self, pos: u32) -> Option<Filter<'_>> {
        let (l, i) = self.layer_of(pos)?;
        let bloom = l.bloom.as_ref()?;
        let end = be32(&l.data, bloom.index + 4 * i)? as usize;
        let start = match i {
            0 => 0,
            _ => be32(&l.data, bloom.index + 4 * (i - 1))? as usize,
        };
        if start >= end || end > bloom.len {
            return None; // an empty filter says nothing
        }
        Some(Filter {
            bits: &l.data[bloom.data + start..bloom.data + end],
            settings: bloom.settings,
        })
    }
}

/// One commit's changed-path filter.
pub struct Filter<'g> {
    bits: &'g [u8],
    settings: BloomSettings,
}

impl Filter<'_> {
    /// Whether the filter proves that the path of `keys` did not change.
    pub fn not_changed(&self, keys: &BloomKeys) -> bool {
        if keys.settings != self.settings {
            return false;
        }
        let bits = self.bits.len() as u64 * 8;
        // A path that changed put itself and each leading directory in the filter:
        // one key missing proves it did not change.
        keys.keys.iter().any(|hashes| {
            hashes.iter().any(|&h| {
                let bit = u64::from(h) % bits;
                self.bits[(bit / 8) as usize] & (1 << (bit % 8)) == 0
            })
        })
    }
}

impl Layer {
    /// One graph file; `base`: commits in the layers below, `index`: its place in the
    /// chain (its header says how many layers it sits on).
    fn parse(data: Vec<u8>, base: u32, index: usize) -> Option<Layer> {
        if data.len() < 8 || &data[..4] != SIGNATURE || data[4] != 1 || data[5] != 1 {
            return None;
        }
        if data[7] as usize != index {
            return None;
        }
        // The trailing checksum: a SHA-1 of everything before it.
        let body_len = data.len().checked_sub(HASH_LEN)?;
        let checksum: [u8; HASH_LEN] = data[body_len..].try_into().ok()?;
        {
            use sha1::Digest;
            let mut h = sha1::Sha1::new();
            h.update(&data[..body_len]);
            if h.finalize()[..] != checksum[..] {
                return None;
            }
        }
        let chunks = data[6] as usize;
        // The table of contents: `chunks` entries and a terminating one; offsets
        // increase, start after the table and end before the checksum.
        let table_end = 8 + 12 * (chunks + 1);
        if be32(&data, table_end - 12)? != 0 {
            return None;
        }
        let mut found: Vec<(u32, usize, usize)> = Vec::with_capacity(chunks);
        for c in 0..chunks {
            let at = 8 + 12 * c;
            let id = be32(&data, at)?;
            let start = usize::try_from(be64(&data, at + 4)?).ok()?;
            let end = usize::try_from(be64(&data, at + 16)?).ok()?;
            if id == 0 || start < table_end || start > end || end > body_len {
                return None;
            }
            if found.iter().any(|f| f.0 == id) {
                return None;
            }
            found.push((id, start, end - start));
        }
        let chunk = |id: u32| found.iter().find(|c| c.0 == id).map(|c| (c.1, c.2));
        let (fanout, fanout_len) = chunk(OIDF)?;
        if fanout_len != 256 * 4 {
            return None;
        }
        let count = be32(&data, fanout + 255 * 4)?;
        let mut last = 0;
        for b in 0..256 {
            let v = be32(&data, fanout + 4 * b)?;
            if v < last {
                return None;
            }
            last = v;
        }
        let n = count as usize;
        let (oids, oids_len) = chunk(OIDL)?;
        let (cdat, cdat_len) = chunk(CDAT)?;
        if oids_len != n.checked_mul(HASH_LEN)? || cdat_len != n.checked_mul(CDAT_LEN)? {
            return None;
        }
        // The ids are sorted, and the fan-out counts them by first byte.
        let mut prev: Option<&[u8]> = None;
        let mut seen = [0u32; 256];
        for i in 0..n {
            let id = &data[oids + i * HASH_LEN..oids + (i + 1) * HASH_LEN];
            if prev.is_some_and(|p| p >= id) {
                return None;
            }
            seen[id[0] as usize] += 1;
            prev = Some(id);
        }
        let mut sum = 0u32;
        for (b, c) in seen.iter().enumerate() {
            sum += c;
            if be32(&data, fanout + 4 * b)? != sum {
                return None;
            }
        }
        // The layers below, by checksum.
        let base_hashes: Vec<[u8; HASH_LEN]> = match chunk(BASE) {
            Some((at, len)) if len == index * HASH_LEN => data[at..at + len]
                .chunks(HASH_LEN)
                .map(|c| c.try_into().ok())
                .collect::<Option<_>>()?,
            Some(_) => return None,
            None if index == 0 => Vec::new(),
            None => return None,
        };
        let edges = match chunk(EDGE) {
            Some((at, len)) if len % 4 == 0 => (at, len / 4),
            Some(_) => return None,
            None => (0, 0),
        };
        let bloom = match (chunk(BIDX), chunk(BDAT)) {
            (Some((index, index_len)), Some((bdat, bdat_len)))
                if index_len == n.checked_mul(4)? && bdat_len >= 12 =>
            {
                let settings = BloomSettings {
                    version: be32(&data, bdat)?,
                    hashes: be32(&data, bdat + 4)?,
                };
                // Every filter's end offset: non-decreasing and inside BDAT (git
                // stops using the filters when they are not).
                let mut last = 0u32;
                let mut monotonic = true;
                for i in 0..n {
                    let end = be32(&data, index + 4 * i)?;
                    if end < last || end as usize > bdat_len - 12 {
                        monotonic = false;
                        break;
                    }
                    last = end;
                }
                (monotonic
                    && (1..=2).contains(&settings.version)
                    && (1..=32).contains(&settings.hashes))
                .then_some(Bloom {
                    index,
                    data: bdat + 12,
                    len: bdat_len - 12,
                    settings,
                })
            }
            _ => None,
        };
        Some(Layer {
            data,
            checksum,
            base_hashes,
            base,
            count,
            fanout,
            oids,
            cdat,
            edges,
            bloom,
        })
    }

    fn find(&self, key: &[u8]) -> Option<u32> {
        let first = *key.first()? as usize;
        let lo = match first {
            0 => 0,
            _ => be32(&self.data, self.fanout + 4 * (first - 1))?,
        } as usize;
        let hi = be32(&self.data, self.fanout + 4 * first)? as usize;
        let ids = self
            .data
            .get(self.oids + lo * HASH_LEN..self.oids + hi * HASH_LEN)?;
        let (mut a, mut b) = (0, hi.checked_sub(lo)?);
        while a < b {
            let mid = (a + b) / 2;
            match ids[mid * HASH_LEN..(mid + 1) * HASH_LEN].cmp(key) {
                std::cmp::Ordering::Less => a = mid + 1,
                std::cmp::Ordering::Greater => b = mid,
                std::cmp::Ordering::Equal => return u32::try_from(lo + mid).ok(),
            }
        }
        None
    }
}

/// git's `fill_bloom_key`: `hashes` values from two seeded murmur3 hashes.
fn key(bytes: &[u8], s: BloomSettings) -> Vec<u32> {
    let h0 = murmur3(0x293a_e76f, bytes);
    let h1 = murmur3(0x7e64_6e2c, bytes);
    (0..s.hashes)
        .map(|i| h0.wrapping_add(i.wrapping_mul(h1)))
        .collect()
}

/// MurmurHash3 (x86, 32 bits), bytes unsigned: git's `murmur3_seeded_v2`, and its
/// version 1 for ASCII input.
pub(super) fn murmur3(seed: u32, data: &[u8]) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut chunks = data.chunks_exact(4);
    for c in chunks.by_ref() {
        let k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        h ^= k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut k: u32 = 0;
        for (i, b) in tail.iter().enumerate() {
            k ^= u32::from(*b) << (8 * i);
        }
        h ^= k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

#[cfg(test)]
pub(super) fn key_for_test(bytes: &[u8], hashes: u32) -> Vec<u32> {
    key(bytes, BloomSettings { version: 2, hashes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_graph_murmur3_and_keys_match_git() {
        // git's t0095-bloom.sh.
        assert_eq!(murmur3(0, b""), 0);
        assert_eq!(murmur3(0, b"Hello world!"), 0x627b_0c2c);
        assert_eq!(
            murmur3(0, b"The quick brown fox jumps over the lazy dog"),
            0x2e4f_f723
        );
        assert_eq!(
            key_for_test(b"Hello world!", 7),
            vec![
                0xb270_de9b,
                0x1bb6_f26e,
                0x84fd_0641,
                0xee43_1a14,
                0x5789_2de7,
                0xc0cf_41ba,
                0x2a15_558d
            ]
        );
        assert_eq!(
            key_for_test(b"file.txt", 7),
            vec![
                0x20ab_385b,
                0xf523_7fe2,
                0xc99b_c769,
                0x9e14_0ef0,
                0x728c_5677,
                0x4704_9dfe,
                0x1b7c_e585
            ]
        );
    }
}
