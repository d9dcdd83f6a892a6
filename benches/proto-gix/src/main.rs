//! Prototype: ordering commits and per-commit path lookups, libgit2 vs gitoxide.
use std::collections::HashMap;
use std::time::Instant;

use gix::objs::FindExt;

fn g2_order(repo: &git2::Repository) -> Vec<git2::Oid> {
    let mut w = repo.revwalk().unwrap();
    w.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)
        .unwrap();
    w.push_head().unwrap();
    w.map(|r| r.unwrap()).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = &args[1];
    let mode = args[2].as_str();
    let doc = args
        .get(3)
        .cloned()
        .unwrap_or_else(|| "Documentation/config.adoc".into());
    let (dir, name) = doc.rsplit_once('/').unwrap();
    git2::opts::strict_hash_verification(false);
    unsafe {
        let _ = git2::opts::set_cache_object_limit(git2::ObjectType::Any, 0);
    }
    let t = Instant::now();
    match mode {
        "walk-g2" => {
            let repo = git2::Repository::open(path).unwrap();
            let n = g2_order(&repo).len();
            println!("walk-g2 {n} commits {:.3}s", t.elapsed().as_secs_f64());
        }
        "walk-gix-topo" | "walk-gix-date" | "walk-gix-topo-nograph" => {
            let repo = gix::open(path).unwrap();
            let head = repo.head_id().unwrap().detach();
            let graph = if mode == "walk-gix-topo-nograph" {
                None
            } else {
                repo.commit_graph().ok()
            };
            let has = graph.is_some();
            let sorting = if mode == "walk-gix-date" {
                gix::traverse::commit::topo::Sorting::DateOrder
            } else {
                gix::traverse::commit::topo::Sorting::TopoOrder
            };
            let walk = gix::traverse::commit::topo::Builder::from_iters(
                &repo.objects,
                [head],
                None::<Vec<gix::ObjectId>>,
            )
            .with_commit_graph(graph)
            .sorting(sorting)
            .build()
            .unwrap();
            let mut n = 0;
            for c in walk {
                let c = c.unwrap();
                std::hint::black_box(&c.parent_ids);
                n += 1;
            }
            println!(
                "{mode} (graph {has}) {n} commits {:.3}s",
                t.elapsed().as_secs_f64()
            );
        }
        "lookup-g2" => {
            let repo = git2::Repository::open(path).unwrap();
            let order = g2_order(&repo);
            let t = Instant::now();
            let mut memo: HashMap<git2::Oid, Option<git2::Oid>> = HashMap::new();
            let (mut reads, mut found, mut tc, mut tt) = (0, 0, 0.0, 0.0);
            for id in &order {
                let t0 = Instant::now();
                let c = repo.find_commit(*id).unwrap();
                let tree = c.tree_id();
                let ptrees: Vec<git2::Oid> = c.parents().map(|p| p.tree_id()).collect();
                tc += t0.elapsed().as_secs_f64();
                let t1 = Instant::now();
                for rt in std::iter::once(tree).chain(ptrees) {
                    let root = repo.find_tree(rt).unwrap();
                    reads += 1;
                    let Some(d) = root.get_name(dir) else {
                        continue;
                    };
                    let did = d.id();
                    let blob = match memo.get(&did) {
                        Some(b) => *b,
                        None => {
                            reads += 1;
                            let dt = repo.find_tree(did).unwrap();
                            let b = dt.get_name(name).map(|e| e.id());
                            memo.insert(did, b);
                            b
                        }
                    };
                    found += blob.is_some() as usize;
                }
                tt += t1.elapsed().as_secs_f64();
            }
            println!(
                "lookup-g2 {} commits {reads} tree reads {found} found: commits {tc:.3}s trees {tt:.3}s total {:.3}s",
                order.len(),
                t.elapsed().as_secs_f64()
            );
        }
        "lookup-gix" => {
            let g2 = git2::Repository::open(path).unwrap();
            let order: Vec<gix::ObjectId> = g2_order(&g2)
                .iter()
                .map(|o| gix::ObjectId::from_bytes_or_panic(o.as_bytes()))
                .collect();
            let mut repo = gix::open(path).unwrap();
            repo.object_cache_size(0);
            let t = Instant::now();
            let mut memo: HashMap<gix::ObjectId, Option<gix::ObjectId>> = HashMap::new();
            let (mut reads, mut found, mut tc, mut tt) = (0, 0, 0.0, 0.0);
            let mut buf = Vec::new();
            let mut pbuf = Vec::new();
            let mut tbuf = Vec::new();
            let mut roots = Vec::new();
            for id in &order {
                let t0 = Instant::now();
                roots.clear();
                let c = repo.objects.find_commit_iter(id, &mut buf).unwrap();
                let mut c2 = c.clone();
                roots.push(c2.tree_id().unwrap());
                for p in c.parent_ids() {
                    let mut pc = repo.objects.find_commit_iter(&p, &mut pbuf).unwrap();
                    roots.push(pc.tree_id().unwrap());
                }
                tc += t0.elapsed().as_secs_f64();
                let t1 = Instant::now();
                for rt in &roots {
                    reads += 1;
                    let root = repo.objects.find_tree_iter(rt, &mut tbuf).unwrap();
                    let mut did = None;
                    for e in root {
                        let e = e.unwrap();
                        if e.filename == dir.as_bytes() {
                            did = Some(e.oid.to_owned());
                            break;
                        }
                    }
                    let Some(did) = did else { continue };
                    let blob = match memo.get(&did) {
                        Some(b) => *b,
                        None => {
                            reads += 1;
                            let dt = repo.objects.find_tree_iter(&did, &mut tbuf).unwrap();
                            let mut b = None;
                            for e in dt {
                                let e = e.unwrap();
                                if e.filename == name.as_bytes() {
                                    b = Some(e.oid.to_owned());
                                    break;
                                }
                            }
                            memo.insert(did, b);
                            b
                        }
                    };
                    found += blob.is_some() as usize;
                }
                tt += t1.elapsed().as_secs_f64();
            }
            println!(
                "lookup-gix {} commits {reads} tree reads {found} found: commits {tc:.3}s trees {tt:.3}s total {:.3}s",
                order.len(),
                t.elapsed().as_secs_f64()
            );
        }
        _ => panic!("mode"),
    }
}
