//! The executor's calls: each [`Call`] of the machine as DynamoDB calls and calls on the
//! subject (IAM for a role, CodeGuru Profiler for a group), each outcome as the machine's
//! [`Reply`] (errors read through the SDK's typed predicates).

use super::*;
use crate::group;

impl Executor<'_> {
    /// One call of the machine: the record's calls, the lease's, then the subject's.
    pub(super) async fn call(&mut self, call: &Call) -> Result<Reply, Stop> {
        match call {
            Call::GetItem => Ok(Reply::Item(self.get().await?)),
            Call::WaitLease { owner } => Ok(Reply::Item(self.wait_lease(*owner).await?)),
            Call::PutItem => self.put_item().await,
            Call::SetOurs {
                ours,
                tag_format,
                tagged,
                generation,
            } => self.set_ours(*ours, tag_format, *tagged, *generation).await,
            Call::ClearTagged { generation } => {
                let values = vec![(":gen", gen_value(*generation))];
                let update = "REMOVE #tagged";
                self.update(Update {
                    update,
                    condition: "#gen = :gen",
                    values,
                })
                .await
            }
            Call::AddRef { tag_format, .. } => {
                self.sent_add = true;
                self.add_ref(*tag_format).await
            }
            Call::RemoveRef { tag_format, .. } => self.remove_ref(*tag_format).await,
            Call::TakeLease { generation, .. } => self.take_lease(*generation).await,
            Call::RenewLease { .. } => self.renew_lease().await,
            Call::TakeOver { owner } => self.take_over(*owner).await,
            Call::DropLease { .. } => self.drop_lease().await,
            Call::DeleteItem { .. } => {
                let values = vec![(":me", self.me())];
                let (key, condition) = (self.h.subject.key(), Some("#lease.#owner = :me"));
                let w = table::delete(self.clients, key, condition, values).await?;
                Ok(self.written(w))
            }
            // Function mode writes its ledger item itself, before it joins the role and
            // the group (so that neither reference is ever held without it).
            Call::PutLedger { .. } => Err(Stop::Failed(Error::blocked(
                "internal error: the ledger is written before the references protocol runs; report this",
            ))),
            Call::DeleteLedger { id } => {
                table::delete(self.clients, record::ledger_key(*id), None, Vec::new()).await?;
                Ok(Reply::Ok)
            }
            Call::ReadAttached => self.read_attached().await,
            Call::ReadTags => self.read_tags().await,
            Call::Attach => self.attach().await,
            Call::Detach => {
                self.detach().await?;
                Ok(Reply::Ok)
            }
            Call::Untag { refs, attached_tag } => self.untag(refs, *attached_tag).await,
            Call::Settle => Ok(self.settle().await?),
            Call::Tag { .. } => unreachable!("the tag protocol of earlier versions is never run"),
        }
    }

    /// Creates the record, if no one has: it then decides, with this generation.
    async fn put_item(&mut self) -> Result<Reply, Stop> {
        let generation = record::new_generation(self.h.resource.request_id);
        let item = Attributes::from([
            (record::PK.to_owned(), self.h.subject.key()),
            (record::GEN.to_owned(), gen_value(generation)),
        ]);
        let w = table::put(self.clients, item, Some("attribute_not_exists(#pk)")).await?;
        if matches!(w, Written::Applied(_)) {
            self.created = Some(generation);
        }
        Ok(Reply::Ok)
    }

    /// Decides whether the subject is ours, once, for the record's generation.
    async fn set_ours(
        &mut self,
        ours: bool,
        tag_format: &BTreeSet<Id>,
        tagged: bool,
        generation: Generation,
    ) -> Result<Reply, Stop> {
        let mut update = "SET #ours = :ours".to_owned();
        let mut values = vec![
            (":ours", AttributeValue::Bool(ours)),
            (":gen", gen_value(generation)),
        ];
        if tagged {
            update += ", #tagged = :tagged";
            values.push((":tagged", AttributeValue::Bool(true)));
        }
        if let Some(ids) = id_set(tag_format.iter().copied()) {
            update += ", #legacy = :legacy";
            values.push((":legacy", ids));
        }
        let condition = "#gen = :gen AND attribute_not_exists(#ours)";
        self.update(Update {
            update: &update,
            condition,
            values,
        })
        .await
    }

    async fn remove_ref(&mut self, tag_format: bool) -> Result<Reply, Stop> {
        let update = if tag_format {
            "DELETE #refs :me, #legacy :me ADD #gone :me"
        } else {
            "DELETE #refs :me"
        };
        let condition = "attribute_exists(#ours) AND attribute_not_exists(#lease)";
        let values = vec![(":me", self.my_set())];
        self.update(Update {
            update,
            condition,
            values,
        })
        .await
    }

    /// The last user takes the lease before it detaches (or deletes) the subject.
    async fn take_lease(&mut self, generation: Generation) -> Result<Reply, Stop> {
        let text = |t: &str| AttributeValue::S(t.to_owned());
        let lease = AttributeValue::M(Attributes::from([
            (record::OWNER.to_owned(), self.me()),
            (record::TOKEN.to_owned(), text(self.h.resource.request_id)),
            (record::UNTIL.to_owned(), self.lease_until()),
            (record::STACK.to_owned(), text(self.h.resource.stack_id)),
        ]));
        let condition = "#gen = :gen AND attribute_exists(#ours) AND attribute_not_exists(#refs) \
                         AND attribute_not_exists(#lease)";
        let values = vec![(":lease", lease), (":gen", gen_value(generation))];
        let update = "SET #lease = :lease";
        self.update(Update {
            update,
            condition,
            values,
        })
        .await
    }

    async fn renew_lease(&mut self) -> Result<Reply, Stop> {
        let token = AttributeValue::S(self.h.resource.request_id.to_owned());
        let values = vec![
            (":until", self.lease_until()),
            (":token", token),
            (":me", self.me()),
        ];
        let update = "SET #lease.#until = :until, #lease.#token = :token";
        let condition = "#lease.#owner = :me";
        self.update(Update {
            update,
            condition,
            values,
        })
        .await
    }

    /// Removes another's lease once it has expired: its holder has stopped.
    async fn take_over(&mut self, owner: Id) -> Result<Reply, Stop> {
        let now = AttributeValue::N(record::now_epoch_secs().to_string());
        let values = vec![(":owner", AttributeValue::S(hex(owner))), (":now", now)];
        let condition = "#lease.#owner = :owner AND #lease.#until < :now";
        tracing::info!(subject = %self.h.subject, owner = hex(owner), "taking over an expired lease");
        let update = "REMOVE #lease";
        self.update(Update {
            update,
            condition,
            values,
        })
        .await
    }

    async fn drop_lease(&mut self) -> Result<Reply, Stop> {
        tracing::warn!(
            subject = %self.h.subject,
            "IAM's reads still lag: the role's empty record stays for the next stack"
        );
        let values = vec![(":me", self.me())];
        let (update, condition) = ("REMOVE #lease", "#lease.#owner = :me");
        self.update(Update {
            update,
            condition,
            values,
        })
        .await
    }

    /// Removes the tag format's references (and its attached tag) from a role.
    async fn untag(&mut self, refs: &BTreeSet<Id>, attached_tag: bool) -> Result<Reply, Stop> {
        let Subject::Role(role) = self.h.subject else {
            return Ok(Reply::Ok); // a group's owner tag stays: it tells people who made it
        };
        let mut keys: Vec<String> = refs.iter().map(|id| tag_format_key(*id)).collect();
        if attached_tag {
            keys.push(ledger::ATTACHED_KEY.to_owned());
        }
        iam::untag(self.clients, role, &keys).await?;
        self.untagged.extend(keys);
        Ok(Reply::Ok)
    }
}

fn gen_value(g: Generation) -> AttributeValue {
    AttributeValue::S(hex(g))
}

impl Executor<'_> {
    /// Role: the policy is attached. Group: the group exists.
    async fn read_attached(&mut self) -> Result<Reply, Stop> {
        match self.h.subject {
            Subject::Role(role) => match iam::is_attached(self.clients, role).await? {
                Some(attached) => Ok(Reply::Attached(attached)),
                None => Err(Stop::RoleGone),
            },
            Subject::Group(g) => {
                let tags = group::tags(self.clients, g).await?;
                let exists = tags.is_some();
                self.group_tags = Some(tags); // the decision's ReadTags, which comes next, reads these
                Ok(Reply::Attached(exists))
            }
        }
    }

    /// Role: the tag-format reference tags and attached tag. Group: whether an earlier
    /// version created it (its owner tag), which makes it lambda-profiling's to delete.
    async fn read_tags(&mut self) -> Result<Reply, Stop> {
        match self.h.subject {
            Subject::Role(role) => match iam::list_tags(self.clients, role).await? {
                Some(tags) => Ok(Reply::Tags(old_tags(&tags))),
                None => Err(Stop::RoleGone),
            },
            Subject::Group(g) => {
                let tags = match self.group_tags.take() {
                    Some(tags) => tags.unwrap_or_default(),
                    None => group::tags(self.clients, g).await?.unwrap_or_default(),
                };
                // Its creator under an earlier version holds it like a tag-format reference
                // until that resource is updated or deleted by this one.
                let creator = ledger::earlier_creator(&tags);
                Ok(Reply::Tags(IamSnap {
                    attached: false,
                    ref_tags: creator.into_iter().collect(),
                    attached_tag: tags.contains_key(ledger::OWNER_KEY),
                }))
            }
        }
    }

    /// Role: attach the policy. Group: create it (one that exists is fine).
    async fn attach(&mut self) -> Result<Reply, Stop> {
        match self.h.subject {
            Subject::Role(role) => match iam::attach(self.clients, role, self.sharing()).await? {
                Some(()) => Ok(Reply::Ok),
                None => Err(Stop::RoleGone),
            },
            Subject::Group(g) => {
                let owner = ledger::owner_value(self.h.resource.stack_id, self.h.resource.logical_id);
                group::create(self.clients, g, &owner).await?;
                Ok(Reply::Ok)
            }
        }
    }

    /// Role: detach the policy, unless a record of another spelling of its name still
    /// holds references. Group: delete it, unless the holder keeps it.
    async fn detach(&mut self) -> Result<()> {
        match self.h.subject {
            Subject::Role(role) if table::other_spellings_hold(self.clients, role).await? => {
                tracing::info!(role = %role, "the policy is kept: a record of an earlier version's spelling of the role still holds references");
            }
            Subject::Role(role) => {
                iam::detach(self.clients, role).await?;
                self.detached = true;
            }
            Subject::Group(g) if self.h.keep => {
                tracing::debug!(group = %g.name, "the last reference is gone; the group is kept as asked");
            }
            Subject::Group(g) => group::delete(self.clients, g).await?,
        }
        Ok(())
    }
}

/// The tag-format references and the tag format's attached tag among a role's tags.
fn old_tags(tags: &std::collections::HashMap<String, String>) -> IamSnap {
    IamSnap {
        attached: false,
        ref_tags: tags
            .keys()
            .filter_map(|k| k.strip_prefix(ledger::REF_PREFIX).and_then(record::parse_hex))
            .collect(),
        attached_tag: tags
            .get(ledger::ATTACHED_KEY)
            .is_some_and(|v| v == ledger::ATTACHED_VALUE),
    }
}
